// The attacker page suite: what hostile code bundled into a frontend would try, run in the real webview.
// Every attempt must fail, and the app must keep serving honest calls afterwards.
import assert from "node:assert/strict";
import { type AuditEntry, launch } from "../../mod.ts";
import { makeApp } from "../fixture.ts";

const INVOKE = "window.__TAURI__.core.invoke";

/** An app whose commands record what reached them, with its audit log captured. */
async function target(options: { hook?: string; airlock?: Record<string, unknown> } = {}) {
  const reached: { cmd: string; args: unknown }[] = [];
  const audit: AuditEntry[] = [];
  // Every sealed envelope the core receives, as an attacker watching that hop would have it (a page cannot:
  // the relay keeps the frame's messages from page scripts).
  const sealed: string[] = [];
  const record = (cmd: string) => (args: unknown) => {
    reached.push({ cmd, args });
    return args;
  };
  const app = await launch({
    config: await makeApp({ hook: options.hook, airlock: options.airlock }),
    commands: {
      echo: record("echo"),
      delete_everything: record("delete_everything"),
      slow: async (args: { ms: number }) => {
        await new Promise((r) => setTimeout(r, args.ms));
        return "slow done";
      },
    },
    audit: (entry) => audit.push(entry),
    tap: (wire) => void (wire.startsWith("s") && sealed.push(wire)),
  });
  // The isolation session is up before any attack starts.
  assert.equal(await app.evaluate(`${INVOKE}("echo", { warm: true }).then((v) => v.warm)`), true);
  reached.length = 0;
  sealed.length = 0;
  const stillServes = async () =>
    assert.equal(await app.evaluate(`${INVOKE}("echo", { honest: 1 }).then((v) => v.honest)`), 1);
  return { app, reached, audit, sealed, stillServes };
}

/** Posts a string straight to the core's handler from the bridge's world, as a page that broke out of its
 * own world could; returns the core's answer. */
function postToCore(
  app: { evaluate(js: string, o?: { world?: string }): Promise<unknown> },
  envelope: string,
) {
  return app.evaluate(
    `window.webkit.messageHandlers.airlockCore.postMessage(${JSON.stringify("s" + envelope)})`,
    {
      world: "airlock",
    },
  ).then((text) => JSON.parse(text as string) as { ok: boolean; error?: string });
}

/** Page JS: does a page script see any of the bridge's traffic? */
const WATCH = `(() => {
  window.seenByPage = [];
  window.addEventListener("message", (e) => window.seenByPage.push(e.data && e.data.airlock), true);
})()`;

Deno.test("attack: a captured sealed message cannot be replayed, swapped to another command or tampered with", async () => {
  const { app, reached, audit, sealed, stillServes } = await target();
  try {
    await app.evaluate(WATCH);
    await app.evaluate(`${INVOKE}("echo", { approved: true })`);
    await app.evaluate(`${INVOKE}("delete_everything", { denied: false })`);
    // Page scripts saw no call, no envelope, no handshake, no answer: nothing of the bridge at all.
    assert.deepEqual(await app.evaluate(`window.seenByPage`), []);
    const [echoWire, deleteWire] = sealed.map((wire) => wire.slice(1));
    assert.equal(reached.length, 2);
    reached.length = 0;
    const echo = JSON.parse(echoWire);
    const del = JSON.parse(deleteWire);

    // Replay, as is.
    assert.match((await postToCore(app, echoWire)).error!, /replayed/);
    // Command swap: there is no clear-text command to swap. Moving one message's ciphertext under the
    // other's header, or renumbering it, breaks its tag.
    const swapped = JSON.stringify({ ...del, ct: echo.ct });
    assert.match((await postToCore(app, swapped)).error!, /failed authentication|replayed/);
    const fresh = JSON.stringify({ ...echo, seq: echo.seq + 1000 });
    assert.match((await postToCore(app, fresh)).error!, /failed authentication/);
    // Bit flips anywhere in the ciphertext or iv.
    for (const field of ["ct", "iv"] as const) {
      const bytes = Uint8Array.from(atob(echo[field]), (c) => c.charCodeAt(0));
      bytes[bytes.length >> 1] ^= 0x01;
      const flipped = JSON.stringify({
        ...echo,
        seq: echo.seq + 2000,
        [field]: btoa(String.fromCharCode(...bytes)),
      });
      assert.match((await postToCore(app, flipped)).error!, /failed authentication/);
    }
    // Another window's label: the window is bound as authenticated data too.
    assert.deepEqual(reached, []);
    // Each refusal is logged once, with the window and the reason, never the arguments.
    assert.equal(audit.length, 5);
    for (const entry of audit) {
      assert.equal(entry.window, "main");
      assert.doesNotMatch(JSON.stringify(entry), /approved|denied/);
    }
    await stillServes();
  } finally {
    await app.close();
  }
});

Deno.test("attack: forged answers and spoofed postMessage in both directions change nothing", async () => {
  const { app, reached, stillServes } = await target();
  try {
    const outcome = await app.evaluate(`(async () => {
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      const results = {};
      // A slow honest call is in flight; the attacker knows its id ("2": ids count up from 1).
      const call = ${INVOKE}("slow", { ms: 200 });
      await new Promise((r) => setTimeout(r, 20));
      const id = "2";
      // Pretend to be the core: an answer without the call's secret nonce, posted to the page's window.
      window.postMessage({ airlock: "answer", id, ok: true, value: "forged by the page" }, "*");
      window.postMessage({ airlock: "answer", id, ok: true, nonce: "0".repeat(32), value: "forged" }, "*");
      // A failure without the nonce (as the core's refusals once travelled): no longer accepted either.
      window.postMessage({ airlock: "answer", id, ok: false, error: "Your session expired: log in at evil.example" }, "*");
      // Pretend to be the iframe: its refusal and a ready signal, posted by the page to itself.
      window.postMessage({ airlock: "refused", id, error: "spoofed refusal" }, "*");
      window.postMessage({ airlock: "ready" }, "*");
      window.postMessage({ airlock: "sealed", id, envelope: "{}" }, "*");
      // A synthetic MessageEvent with a forged source and origin (isTrusted is false).
      window.dispatchEvent(new MessageEvent("message", {
        data: { airlock: "answer", id, ok: true, value: "synthetic" }, origin: "app://localhost", source: window,
      }));
      window.dispatchEvent(new MessageEvent("message", {
        data: { airlock: "refused", id, error: "synthetic refusal" }, origin: "null", source: frame.contentWindow,
      }));
      // Pretend to be the core towards the iframe: answers and junk it must ignore.
      frame.contentWindow.postMessage({ airlock: "answer", id, ok: true, value: "to the frame" }, "*");
      frame.contentWindow.postMessage({ airlock: "ready" }, "*");
      results.call = await call.then((v) => ({ ok: true, v }), (e) => ({ ok: false, e: e?.message ?? e }));
      return results;
    })()`);
    assert.deepEqual(outcome, { call: { ok: true, v: "slow done" } });
    assert.deepEqual(reached, []);
    await stillServes();
  } finally {
    await app.close();
  }
});

Deno.test("attack: redefining MessageEvent and iframe getters neither forges an event nor leaks a call's nonce", async () => {
  const { app, stillServes } = await target();
  try {
    const outcome = await app.evaluate(`(async () => {
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      const real = frame.contentWindow;
      window.got = [];
      await window.airlock.listen("auth", (e) => window.got.push(e.payload));
      // Make every message look as if the iframe sent it, from the app's origin.
      Object.defineProperty(MessageEvent.prototype, "source", { get: () => real, configurable: true });
      Object.defineProperty(MessageEvent.prototype, "origin", { get: () => "app://localhost", configurable: true });
      window.postMessage({ airlock: "event", event: "auth", handlers: [1], payload: { admin: true } }, "*");
      // Point contentWindow at a frame of the page's own, to receive the next call (and its nonce).
      const spy = document.createElement("iframe");
      document.body.append(spy);
      const stolen = [];
      spy.contentWindow.addEventListener("message", (e) => stolen.push(e.data));
      Object.defineProperty(HTMLIFrameElement.prototype, "contentWindow", { get: () => spy.contentWindow, configurable: true });
      // Raced against a timer: were the page able to confuse the bridge, the call could hang instead.
      const timeout = new Promise((r) => setTimeout(() => r("timed out"), 5000));
      const value = await Promise.race([${INVOKE}("echo", { after: "redefinitions" }), timeout]);
      await new Promise((r) => setTimeout(r, 50));
      return { got: window.got, stolen: stolen.length, value };
    })()`);
    assert.deepEqual(outcome, { got: [], stolen: 0, value: { after: "redefinitions" } });
    await stillServes();
  } finally {
    await app.close();
  }
});

Deno.test("attack: a page that calls the iframe directly still goes through the hook", async () => {
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (message) => {
    if (message.cmd === "delete_everything") throw new Error("not from this app");
    return message;
  };`;
  const { app, reached, stillServes } = await target({ hook });
  try {
    await app.evaluate(`(async () => {
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      frame.contentWindow.postMessage({
        airlock: "call", id: "x1", nonce: "a".repeat(32),
        message: { cmd: "delete_everything", payload: {} },
      }, "*");
      await new Promise((r) => setTimeout(r, 100));
    })()`);
    assert.deepEqual(reached, []);
    await stillServes();
  } finally {
    await app.close();
  }
});

Deno.test("attack: navigating the iframe elsewhere gets a fresh isolation session; calls still pass the hook", async () => {
  const hook =
    `window.__TAURI_ISOLATION_HOOK__ = (message) => ({ ...message, payload: { ...message.payload, hooked: true } });`;
  const { app, reached, sealed, stillServes } = await target({
    hook,
    airlock: { hookTimeoutMs: 3000 },
  });
  try {
    await app.evaluate(`${INVOKE}("echo", { before: 1 })`);
    const oldWire = sealed[0].slice(1);
    const results = await app.evaluate(`(async () => {
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      const out = [];
      for (const where of ["about:blank", "app://localhost/index.html", "isolation://localhost/"]) {
        frame.src = where;
        // A call made while the frame is away is answered once the isolation app is back.
        out.push(await ${INVOKE}("echo", { where }).then((v) => v, (e) => "rejected: " + (e?.message ?? e)));
      }
      return out;
    })()`);
    assert.deepEqual(results, [
      { where: "about:blank", hooked: true },
      { where: "app://localhost/index.html", hooked: true },
      { where: "isolation://localhost/", hooked: true },
    ]);
    // The old session's messages died with it.
    assert.match((await postToCore(app, oldWire)).error!, /replaced isolation document/);
    assert.ok(reached.every((r) => (r.args as { hooked?: boolean }).hooked));
    await stillServes();
  } finally {
    await app.close();
  }
});

Deno.test("attack: overriding postMessage, JSON, crypto and friends in the main frame does not break or bypass calls", async () => {
  const { app, reached, stillServes } = await target();
  try {
    const result = await app.evaluate(`(async () => {
      const invoke = ${INVOKE};
      window.postMessage = () => { throw new Error("hijacked postMessage"); };
      Window.prototype.postMessage = () => { throw new Error("hijacked"); };
      JSON.stringify = () => "{}";
      JSON.parse = () => ({ ok: true, value: "hijacked" });
      crypto.getRandomValues = (a) => a.fill(0);
      Object.defineProperty = () => { throw new Error("hijacked defineProperty"); };
      Object.create = () => ({});
      Array.isArray = () => false;
      String.prototype.toString = () => "hijacked";
      Number.prototype.toString = () => "0";
      return await invoke("echo", { after: "overrides" });
    })()`);
    assert.deepEqual(result, { after: "overrides" });
    assert.deepEqual(reached.map((r) => r.args), [{ after: "overrides" }]);
    // Nor can the page replace the API itself.
    assert.equal(
      await app.evaluate(
        `(() => { try { window.__TAURI__ = { core: { invoke: () => 1 } }; } catch {} return typeof window.__TAURI__.core.invoke; })()`,
      ),
      "function",
    );
    assert.equal(
      await app.evaluate(
        `(() => { try { window.airlock.invoke = () => "evil"; } catch {} return window.airlock.invoke === ${INVOKE}; })()`,
      ),
      true,
    );
    await stillServes();
  } finally {
    await app.close();
  }
});

Deno.test("attack: a planted look-alike iframe neither receives calls nor reaches the core", async () => {
  const { app, reached, stillServes } = await target();
  try {
    const count = await app.evaluate(`(async () => {
      const fake = document.createElement("iframe");
      fake.setAttribute("data-airlock-isolation", "");
      fake.setAttribute("sandbox", "allow-scripts");
      fake.srcdoc = "<script>parent.postMessage({ airlock: 'sealed', id: '1', envelope: '{}' }, '*');" +
        "parent.postMessage({ airlock: 'ready' }, '*');</" + "script>";
      document.body.prepend(fake);
      await new Promise((r) => setTimeout(r, 100));
      return document.querySelectorAll("iframe").length;
    })()`);
    assert.equal(count, 2);
    assert.deepEqual(reached, []);
    await stillServes();
  } finally {
    await app.close();
  }
});

Deno.test("attack: taking over the isolation iframe (srcdoc, blocked listeners) gets no call, forges nothing, and the frame is won back", async () => {
  const { app, reached, audit, sealed, stillServes } = await target();
  try {
    const outcome = await app.evaluate(`(async () => {
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      window.got = [];
      await window.airlock.listen("auth", (e) => window.got.push(e.payload));
      // Try to blind the bridge: stop every later listener for load events and messages.
      document.addEventListener("load", (e) => e.stopImmediatePropagation(), true);
      window.addEventListener("message", (e) => { if (e.data && e.data.airlock === "stolen") window.stolen.push(e.data.d); }, true);
      window.stolen = [];
      // The page's own document in the frame: it steals what it is sent, forges an event, a hello without
      // the secret, a "sealed" ticket request and an oversized envelope.
      frame.srcdoc = "<script>" +
        "onmessage = (e) => parent.postMessage({ airlock: 'stolen', d: JSON.stringify(e.data) }, '*');" +
        "parent.postMessage({ airlock: 'event', kind: 'event', event: 'auth', handlers: [1, 2, 3], payload: { admin: true } }, '*');" +
        "const c = new MessageChannel(); c.port1.onmessage = (e) => parent.postMessage({ airlock: 'stolen', d: JSON.stringify(e.data) }, '*');" +
        "parent.postMessage({ airlock: 'hello', secret: 'guessed', ticket: 'x' }, '*', [c.port2]);" +
        "parent.postMessage({ airlock: 'sealed', id: '1', envelope: 't' }, '*');" +
        "parent.postMessage({ airlock: 'sealed', id: '1', envelope: JSON.stringify({ control: 'ticket' }) }, '*');" +
        "parent.postMessage({ airlock: 'sealed', id: '1', envelope: 'x'.repeat(20000000) }, '*');" +
        "</" + "script>";
      await new Promise((r) => setTimeout(r, 300));
      const timeout = new Promise((r) => setTimeout(() => r("timed out"), 8000));
      const value = await Promise.race([${INVOKE}("echo", { password: "hunter2" }), timeout]);
      return { got: window.got, stolen: window.stolen, value, srcdoc: frame.hasAttribute("srcdoc") };
    })()`) as { got: unknown[]; stolen: string[]; value: unknown; srcdoc: boolean };
    assert.deepEqual(outcome.got, []); // no forged event reached the listener
    assert.deepEqual(outcome.stolen, []); // nothing reached the page's document, nothing came back from it
    assert.deepEqual(outcome.value, { password: "hunter2" }); // the relay took the frame back
    assert.equal(outcome.srcdoc, false);
    assert.deepEqual(reached.map((r) => r.args), [{ password: "hunter2" }]);
    // None of the fake envelopes reached the core: the relay takes envelopes from the keyed document only.
    assert.ok(sealed.every((wire) => "ct" in JSON.parse(wire.slice(1))));
    assert.deepEqual(audit, []);
    await stillServes();
  } finally {
    await app.close();
  }
});

Deno.test("attack: reading the isolation document with no-cors requests does not leak or kill the session", async () => {
  const { app, stillServes } = await target();
  try {
    const result = await app.evaluate(`(async () => {
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      const out = {};
      const opaque = await fetch(frame.src, { mode: "no-cors" }).then((r) => r.type + ":" + r.status, (e) => "failed");
      out.noCors = opaque;
      const img = new Image();
      out.img = await new Promise((r) => { img.onload = () => r("loaded"); img.onerror = () => r("error"); img.src = "isolation://localhost/"; });
      const script = document.createElement("script");
      out.script = await new Promise((r) => { script.onload = () => r("loaded"); script.onerror = () => r("error"); script.src = "isolation://localhost/"; document.head.append(script); });
      return out;
    })()`) as Record<string, string>;
    assert.notEqual(result.img, "loaded");
    assert.notEqual(result.script, "loaded");
    assert.doesNotMatch(result.noCors, /^basic|^cors/);
    await stillServes();
  } finally {
    await app.close();
  }
});

Deno.test("attack: 10,000 junk messages to the page, the iframe, invoke and the core; honest calls still work", async () => {
  const { app, reached, audit, stillServes } = await target();
  try {
    const junk = await app.evaluate(`(async () => {
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      const shapes = [
        null, 42, "junk", [], { airlock: "call" }, { airlock: "call", id: 5, message: null },
        { airlock: "event", envelope: "{" }, { airlock: "answer", id: "1" }, { airlock: "sealed", envelope: 7 },
        { airlock: "call", id: "j", nonce: "b".repeat(32), message: { cmd: "" } },
      ];
      const failures = [];
      for (let i = 0; i < 10000; i++) {
        const m = shapes[i % shapes.length];
        window.postMessage(m, "*");
        frame.contentWindow.postMessage(m, "*");
        if (i % 10 === 0) failures.push(${INVOKE}(i % 20 ? "" : 12, m).catch((e) => e?.message ?? e));
      }
      const reasons = new Set(await Promise.all(failures));
      return [...reasons];
    })()`) as string[];
    assert.ok(junk.length > 0 && junk.every((r) => /command name/.test(r)), JSON.stringify(junk));
    // And junk straight into the core's handler from the bridge's world.
    const answers = await app.evaluate(
      `(async () => {
      const core = window.webkit.messageHandlers.airlockCore;
      const shapes = ["", "{", "null", "s", "s{", 's{"v":1}', 's{"ct":1}', 's{"v":1,"sid":"x","seq":1,"iv":"","ct":""}',
        "p", "pnot base64!", "tt", "x".repeat(5000)];
      const out = await Promise.all(Array.from({ length: 10000 }, (_, i) => core.postMessage(shapes[i % shapes.length])));
      return out.filter((text) => JSON.parse(text).ok !== false).length;
    })()`,
      { world: "airlock" },
    );
    assert.equal(answers, 0);
    assert.equal(audit.length, 10000);
    assert.deepEqual(reached, []);
    await stillServes();
  } finally {
    await app.close();
  }
});

// The quick seal (isolation/quick_seal.ts) keeps GHASH's H and ready key streams in the isolation realm;
// with H and one envelope the page has seen, a call could be forged. The isolation app runs after the
// runtime in that realm: this one patches every run-time lookup a secret could pass through and reports,
// in each call it lets through, what it caught.
const SNOOPING_HOOK = `
  const caught = [];
  const then = Promise.prototype.then;
  let noting = false; // a note reads properties the app has patched: no note inside a note
  const note = (value, where) => {
    if (noting) return;
    noting = true;
    try {
      if (value instanceof ArrayBuffer || ArrayBuffer.isView(value) || value instanceof CryptoKey) {
        caught.push(where + ":" + Object.prototype.toString.call(value));
      } else if (value instanceof Promise) {
        // Whatever this promise settles with, the app hears too.
        then.call(value, (settled) => note(settled, where + "-promise"), () => {});
      } else if (value && typeof value === "object" && ("bytes" in value || "mask" in value)) {
        caught.push(where + ":stream");
      } else if (value && typeof value === "object" && ("ct" in value || "nonce" in value || "secret" in value)) {
        caught.push(where + ":message");
      }
    } finally {
      noting = false;
    }
  };
  const tryDefine = (object, key, descriptor) => { try { Object.defineProperty(object, key, descriptor); } catch {} };
  for (const proto of [Object.prototype, ArrayBuffer.prototype, CryptoKey.prototype, Uint8Array.prototype]) {
    tryDefine(proto, "then", { configurable: true, get() { note(this, "then"); return undefined; } });
  }
  // Sealing serialises objects (JSON.stringify reads toJSON), and the relay's messages pass this window.
  tryDefine(Object.prototype, "toJSON", { configurable: true, get() { note(this, "toJSON"); return undefined; } });
  addEventListener("message", (event) => note(event.data, "message"), true);
  addEventListener("message", (event) => note(event.data, "message"));
  Promise.prototype.then = function (onFulfilled, onRejected) {
    note(this, "then-this");
    return then.call(this, (value) => { note(value, "then-value"); return onFulfilled ? onFulfilled(value) : value; }, onRejected);
  };
  const byteLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get;
  tryDefine(ArrayBuffer.prototype, "byteLength", { configurable: true, get() { note(this, "byteLength"); return byteLength.call(this); } });
  for (const Kind of [Uint8Array, Int32Array, Promise]) {
    const original = Kind;
    tryDefine(Kind.prototype, "constructor", { configurable: true, get() { note(this, "constructor"); return original; } });
    tryDefine(Kind, Symbol.species, { configurable: true, get() { note(this, "species"); return original; } });
  }
  window.__TAURI_ISOLATION_HOOK__ = (payload) => {
    payload.payload = { ...(payload.payload ?? {}), caught: caught.slice() };
    return payload;
  };
`;

Deno.test("attack: an isolation app that patches then, getters and species catches no key, key stream or H", async () => {
  const { app, stillServes } = await target({ hook: SNOOPING_HOOK });
  try {
    // Bursts drain the ready streams, so new ones are made while the app's patches are in place; the
    // last call reports everything caught by then.
    for (let burst = 0; burst < 3; burst++) {
      const answers = await app.evaluate(`Promise.all(Array.from({ length: 80 }, (_, i) =>
        ${INVOKE}("echo", { i, text: "x".repeat(i * 40) })))`) as { i: number; caught: string[] }[];
      assert.equal(answers.length, 80);
      answers.forEach((answer, i) => assert.equal(answer.i, i));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const last = await app.evaluate(`${INVOKE}("echo", {})`) as { caught: string[] };
    assert.deepEqual([...new Set(last.caught)], []);
    await stillServes();
  } finally {
    await app.close();
  }
});
