// The page bridge against a hostile script in the same page: one test per class of the outside review
// (issue "Bridge integrity"). Each attack runs after document start, as bundled npm code would, and
// honest code in the same page must still get exactly its own answers and events.
import assert from "node:assert/strict";
import { type AuditEntry, launch } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";

const INVOKE = "window.__TAURI__.core.invoke";

async function app(
  options: { hook?: string; airlock?: Record<string, unknown>; frontend?: Record<string, string> } = {},
) {
  const reached: { cmd: string; args: unknown }[] = [];
  const audit: AuditEntry[] = [];
  const down: string[] = [];
  const record = (cmd: string) => (args: unknown) => {
    reached.push({ cmd, args });
    return args;
  };
  const handle = await launch({
    config: await makeApp(options),
    commands: {
      echo: record("echo"),
      transfer: record("transfer"),
      slow: async (args: { ms: number; i?: number }) => {
        reached.push({ cmd: "slow", args });
        await new Promise((r) => setTimeout(r, args.ms));
        return args.i ?? "slow done";
      },
      stream: (args: { to: string }, context) => {
        const channel = context.channel(args.to);
        void channel.send("real");
        return null;
      },
    },
    audit: (entry) => audit.push(entry),
    tap: (wire) => void (wire.startsWith("d") && down.push(wire)),
  });
  assert.equal(await handle.evaluate(`${INVOKE}("echo", { warm: true }).then((v) => v.warm)`), true);
  reached.length = 0;
  return { app: handle, reached, audit, down };
}

/** Waits until a page expression is truthy. */
async function until(handle: { evaluate(js: string): Promise<unknown> }, expression: string, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    // An evaluation that lands while a test has the page's built-ins replaced fails: try again.
    const value = await handle.evaluate(expression).catch(() => null);
    if (value) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${expression}`);
}

Deno.test("bridge integrity 1: built-ins replaced after start neither see nor change an honest call", async () => {
  const { app: handle, reached } = await app();
  try {
    // Started from a timer, so the test harness's own evaluation (which needs Promise.prototype.then) is
    // over before the page's built-ins are replaced; the result is read once they are back.
    await handle.evaluate(`setTimeout(async () => {
      const invoke = ${INVOKE};
      const { then } = Promise.prototype;
      const reflectApply = Reflect.apply;
      // Everything replaced below is put back at the end: the test harness needs it to hand back a result.
      // A Map, not an array: the page's own traps below catch writes to arrays.
      const saved = new Map();
      const define = Reflect.defineProperty, describe = Reflect.getOwnPropertyDescriptor;
      const replace = (object, key, descriptor) => {
        saved.set(saved.size, [object, key, describe(object, key)]);
        define(object, key, { configurable: true, ...descriptor });
      };
      // A string, not an array: the page's own traps below would catch writes to an array.
      let seen = "";
      const note = (what) => function () { seen += what + ";"; };
      // The bridge's own machinery, replaced.
      const steal = (name) => function () { seen += name + ";"; throw new Error("hijacked " + name); };
      const TypedArray = Object.getPrototypeOf(Uint8Array.prototype);
      for (const [object, key] of [
        [EventTarget.prototype, "dispatchEvent"], [EventTarget.prototype, "addEventListener"],
        [MessagePort.prototype, "postMessage"], [window, "postMessage"], [window, "structuredClone"],
        [window, "CustomEvent"], [window, "Uint8Array"], [crypto, "getRandomValues"], [Object, "keys"],
        [Object, "hasOwn"], [Object, "getPrototypeOf"], [Object, "freeze"], [Object, "defineProperty"],
        [Reflect, "apply"], [Function.prototype, "call"], [Function.prototype, "apply"], [Promise.prototype, "then"],
        [window, "queueMicrotask"], [String.prototype, "slice"], [JSON, "stringify"], [JSON, "parse"],
      ]) replace(object, key, { value: steal(String(key)), writable: true });
      for (const [object, key] of [[CustomEvent.prototype, "detail"], [Event.prototype, "target"], [TypedArray, "length"]]) {
        replace(object, key, { get: steal(key) });
      }
      // Last, so that nothing above trips over them (they go first when everything is put back).
      // Runs for every honest call's arguments if the bridge looked it up on Object.prototype.
      replace(Object.prototype, "__TAURI_TO_IPC_KEY__", { value() { seen += "toIpc;"; return { to: "mallory" }; } });
      // Getters and setters a lookup or write by the bridge would trip over.
      for (const key of ["t", "id", "nonce", "message", "cmd", "payload", "options", "detail", "bubbles",
        "cancelable", "composed", "value", "error", "ok", "kind", "baseDir", "to", "fn", "done", "once"]) {
        saved.set(saved.size, [Object.prototype, key, undefined]);
        define(Object.prototype, key, { configurable: true, get: note("get " + key), set: note("set " + key) });
      }
      for (let i = 0; i < 8; i++) {
        saved.set(saved.size, [Array.prototype, i, undefined]);
        define(Array.prototype, i, { configurable: true, get: note("get [" + i + "]"), set: note("set [" + i + "]") });
      }
      const answer = invoke("transfer", { to: "alice", amount: 5 });
      const value = await new Promise((resolve) =>
        reflectApply(then, answer, [resolve, (e) => resolve("rejected: " + (e?.message ?? e))]));
      for (let i = saved.size - 1; i >= 0; i--) {
        const [object, key, descriptor] = saved.get(i);
        if (descriptor) define(object, key, descriptor);
        else delete object[key];
      }
      window.outcome = seen + "|" + value.to + value.amount;
    }, 0)`);
    // No evaluation of the test's own while the built-ins are replaced (it would use the stolen `then`):
    // the call takes a few milliseconds, the first look comes after a second.
    await new Promise((r) => setTimeout(r, 1000));
    const outcome = await until(handle, `window.outcome`);
    // Every trap was set, none was sprung, and the call went through unchanged.
    assert.equal(outcome, "|alice5");
    assert.deepEqual(reached.map((r) => r.args), [{ to: "alice", amount: 5 }]);
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity 1b: an honest answer reaches honest code unchanged through polluted prototypes", async () => {
  const { app: handle, reached } = await app();
  try {
    const outcome = await handle.evaluate(`(async () => {
      const invoke = ${INVOKE};
      const seen = [];
      Object.prototype.__TAURI_TO_IPC_KEY__ = function () { seen.push("toIpc"); return "mallory"; };
      Object.defineProperty(Object.prototype, "value", { configurable: true, get() { seen.push("value"); return "FORGED"; } });
      Object.defineProperty(Object.prototype, "ok", { configurable: true, get() { seen.push("ok"); return true; } });
      EventTarget.prototype.dispatchEvent = () => true;
      const value = await invoke("transfer", { to: "alice", memo: { nested: [1, 2] } });
      delete Object.prototype.__TAURI_TO_IPC_KEY__;
      delete Object.prototype.value;
      delete Object.prototype.ok;
      return { seen, value };
    })()`);
    assert.deepEqual(outcome, { seen: [], value: { to: "alice", memo: { nested: [1, 2] } } });
    assert.deepEqual(reached.map((r) => r.args), [{ to: "alice", memo: { nested: [1, 2] } }]);
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity 2: nothing a page posts or dispatches is taken for an answer, event or channel message", async () => {
  const { app: handle, reached } = await app();
  try {
    const outcome = await handle.evaluate(`(async () => {
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      window.got = [];
      window.channelGot = [];
      const channel = window.__TAURI_INTERNALS__.transformCallback((m) => window.channelGot.push(m.message));
      await window.airlock.listen("auth", (e) => window.got.push(e.payload));
      const call = ${INVOKE}("slow", { ms: 300 });
      const forged = [
        { airlock: "answer", id: "3", ok: true, value: "FORGED" },
        { airlock: "refused", id: "3", error: "Session expired: sign in again at https://evil.example" },
        { airlock: "event", kind: "event", event: "auth", handlers: [1, 2, 3], payload: { admin: true }, mid: 1e15 },
        { airlock: "event", kind: "channel", channel, message: { message: "forged", index: 0 }, mid: 1e15 },
        { t: "answer", id: "3", ok: true, value: "FORGED" },
        { t: "event", kind: "event", event: "auth", handlers: [1, 2, 3], payload: { admin: true } },
        { t: "closed", reason: "forged close" },
      ];
      for (const data of forged) {
        window.postMessage(data, "*");
        frame.contentWindow.postMessage({ ...data, secret: "guess" }, "*");
        // The private line's event names, dispatched everywhere the page can reach.
        for (const type of ["airlock-down", "airlock-up", "airlock-link"]) {
          document.dispatchEvent(new CustomEvent(type, { detail: data, bubbles: true }));
          document.documentElement.dispatchEvent(new CustomEvent(type, { detail: data, bubbles: true }));
          window.dispatchEvent(new CustomEvent(type, { detail: data }));
        }
      }
      // Ask the relay to announce its private node again, listening where it would be announced.
      const announced = [];
      document.addEventListener("airlock-link", (e) => announced.push(e.target), true);
      document.dispatchEvent(new CustomEvent("airlock-link-ask"));
      const value = await call.then((v) => v, (e) => "rejected: " + (e?.message ?? e));
      // Real events still arrive, once each, after a forged number as high as it gets.
      await window.__TAURI__.event.emit("auth", { real: 1 });
      await ${INVOKE}("stream", { to: "__CHANNEL__:" + channel });
      await new Promise((r) => setTimeout(r, 100));
      return { value, got: window.got, channelGot: window.channelGot, announced: announced.length };
    })()`);
    assert.deepEqual(outcome, {
      value: "slow done",
      got: [{ real: 1 }],
      channelGot: ["real"],
      announced: 0,
    });
    assert.deepEqual(reached.map((r) => r.cmd), ["slow"]);
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity 3: no ticket, secret or nonce shows in attributes, observers, performance or the page's messages", async () => {
  const { app: handle } = await app();
  try {
    await handle.evaluate(`(() => {
      window.observed = [];
      new MutationObserver((records) => {
        for (const r of records) {
          if (r.type === "attributes") window.observed.push(r.attributeName + "=" + r.target.getAttribute(r.attributeName));
          for (const n of r.addedNodes || []) window.observed.push(n.outerHTML || String(n));
        }
      }).observe(document, { attributes: true, childList: true, subtree: true, attributeOldValue: true });
      window.perf = [];
      new PerformanceObserver((list) => window.perf.push(...list.getEntries().map((e) => e.name)))
        .observe({ entryTypes: ["resource", "navigation"] });
      window.messages = [];
      window.addEventListener("message", (e) => window.messages.push(JSON.stringify(e.data)), true);
      document.addEventListener("load", (e) => window.observed.push("load " + (e.target.src || "")), true);
    })()`);
    // Three re-keys while the page watches: each is a new ticket, host and secret.
    for (let i = 0; i < 3; i++) {
      await handle.rebuildIsolation();
      await handle.evaluate(`${INVOKE}("echo", { i: ${i} })`);
    }
    // The frame removed and rebuilt, too.
    await handle.evaluate(`document.querySelector("iframe[data-airlock-isolation]").remove()`);
    assert.deepEqual(await handle.evaluate(`${INVOKE}("echo", { after: "removal" })`), { after: "removal" });
    const seen = JSON.stringify(
      await handle.evaluate(`({
        observed: window.observed,
        perf: window.perf.concat(performance.getEntries().map((e) => e.name)),
        messages: window.messages,
        html: document.documentElement.outerHTML,
      })`),
    );
    // Tickets, secrets and nonces are 32 hex digits; the per-document hosts are "d" + 24.
    assert.doesNotMatch(seen, /[0-9a-f]{24}/);
    assert.doesNotMatch(seen, /ticket/);
    assert.match(seen, /isolation:\/\/localhost\/blank/); // the page did watch the frame
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity 3b: the frame moved into a document of the page's own gets nothing to that document", async () => {
  const { app: handle } = await app();
  try {
    const outcome = await handle.evaluate(`(async () => {
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      const host = document.createElement("iframe");
      document.body.append(host);
      await new Promise((r) => setTimeout(r, 50));
      const inner = host.contentDocument;
      const stolen = [];
      host.contentWindow.addEventListener("message", (e) => stolen.push(JSON.stringify(e.data)), true);
      inner.body.append(inner.adoptNode(frame));
      await new Promise((r) => setTimeout(r, 700));
      const value = await ${INVOKE}("echo", { secret: "hunter2" });
      return { stolen, value, frames: document.querySelectorAll("iframe[data-airlock-isolation]").length };
    })()`);
    assert.deepEqual(outcome, { stolen: [], value: { secret: "hunter2" }, frames: 1 });
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity 5: nothing hangs — uncloneable arguments, a removed or moved frame, document.open()", async () => {
  const { app: handle, reached } = await app();
  try {
    const outcome = await handle.evaluate(`(async () => {
      const invoke = ${INVOKE};
      const started = Date.now();
      const bad = await invoke("echo", { callback: () => 1 }).then(() => "resolved", (e) => e?.message ?? e);
      const quick = Date.now() - started < 1000;
      // One bad call blocks nothing: the next one goes through.
      const next = await invoke("echo", { next: 1 });
      // Removed while a call is on its way: the frame is rebuilt and the call answered.
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      const during = invoke("echo", { during: "removal" });
      frame.remove();
      const removed = await during;
      // Moved: the same.
      const moving = invoke("echo", { during: "move" });
      document.body.append(document.querySelector("iframe[data-airlock-isolation]"));
      const moved = await moving;
      return { bad, quick, next, removed, moved };
    })()`) as Record<string, unknown>;
    assert.match(
      outcome.bad as string,
      /invoke echo: the call could not be handed to the bridge \(its arguments hold a value that cannot be cloned/,
    );
    assert.deepEqual(outcome, {
      ...outcome,
      quick: true,
      next: { next: 1 },
      removed: { during: "removal" },
      moved: { during: "move" },
    });
    // document.open() replaces the document and runs the bridge's scripts again: the bridge closes, and
    // says so to every call, pending or new, at once.
    const closed = await handle.evaluate(`(async () => {
      const invoke = ${INVOKE};
      const pending = invoke("slow", { ms: 2000 }).then(() => "resolved", (e) => e?.message ?? e);
      await new Promise((r) => setTimeout(r, 50));
      document.open();
      document.write("<p>replaced</p>");
      document.close();
      const started = Date.now();
      const after = await invoke("echo", { after: "open" }).then(() => "resolved", (e) => e?.message ?? e);
      const quick = Date.now() - started < 1000;
      return { pending: await pending, after, quick };
    })()`) as Record<string, unknown>;
    assert.match(closed.after as string, /document\.open\(\) replaced the page's document/);
    assert.equal(closed.quick, true);
    // The slow call had reached the core before the page was replaced: it ran, and gets its real answer.
    assert.equal(closed.pending, "resolved");
    assert.ok(!reached.some((r) => (r.args as { after?: string }).after === "open"));
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity 6: a re-key under 1,000 calls in flight loses none, runs each once, and never lies", async () => {
  const { app: handle, reached } = await app({ airlock: { readyTimeoutMs: 20_000 } });
  try {
    const calls = handle.evaluate(`(async () => {
      const out = await Promise.all(Array.from({ length: 1000 }, (_, i) =>
        ${INVOKE}("slow", { ms: 1, i }).then((v) => ({ ok: true, v }), (e) => ({ ok: false, e: e?.message ?? e }))));
      return out;
    })()`) as Promise<{ ok: boolean; v?: number; e?: string }[]>;
    // The isolation frame rebuilt underneath, twice, and re-navigated by the page once.
    await new Promise((r) => setTimeout(r, 30));
    await handle.rebuildIsolation();
    await new Promise((r) => setTimeout(r, 30));
    await handle.evaluate(`document.querySelector("iframe[data-airlock-isolation]").src = "about:blank"`);
    await new Promise((r) => setTimeout(r, 30));
    await handle.rebuildIsolation();
    const results = await calls;
    const ran = new Map<number, number>();
    for (const r of reached) {
      const i = (r.args as { i: number }).i;
      ran.set(i, (ran.get(i) ?? 0) + 1);
    }
    const rejected = results.flatMap((r, i) => r.ok ? [] : [`${i}: ${r.e}`]);
    assert.deepEqual(rejected, [], "no call is lost to a re-key");
    assert.deepEqual(results.map((r) => r.v), Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual([...ran.values()].filter((n) => n !== 1), [], "each call ran exactly once");
    assert.equal(ran.size, 1000);
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity 7: a re-key re-seals only what the page has not had", async () => {
  const { app: handle, down } = await app();
  try {
    await handle.evaluate(`(async () => {
      window.sizes = [];
      await window.airlock.listen("big", (e) => window.sizes.push(e.payload.length));
    })()`);
    for (let i = 0; i < 12; i++) await handle.emit("big", "x".repeat(1024 * 1024));
    await until(handle, `window.sizes.length === 12`);
    const before = down.reduce((n, wire) => n + wire.length, 0);
    assert.ok(before > 12 * 1024 * 1024);
    await handle.rebuildIsolation();
    assert.deepEqual(await handle.evaluate(`${INVOKE}("echo", { after: "rekey" })`), { after: "rekey" });
    const resent = down.reduce((n, wire) => n + wire.length, 0) - before;
    assert.ok(resent < 64 * 1024, `a re-key re-sealed ${resent} characters the page already had`);
    assert.equal(await handle.evaluate(`window.sizes.length`), 12);
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity: a page cannot stop the frame's load events from reaching the relay", async () => {
  const { app: handle } = await app();
  try {
    const value = await handle.evaluate(`(async () => {
      document.addEventListener("load", (e) => e.stopImmediatePropagation(), true);
      window.addEventListener("load", (e) => e.stopImmediatePropagation(), true);
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      frame.srcdoc = "<p>the page's own document</p>";
      await new Promise((r) => setTimeout(r, 50));
      return await ${INVOKE}("echo", { back: true });
    })()`);
    assert.deepEqual(value, { back: true });
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity: refusals say who refused, and a refused call did not run", async () => {
  const hook =
    `window.__TAURI_ISOLATION_HOOK__ = (m) => { if (m.cmd === "transfer") throw new Error("no transfers"); return m; };`;
  const { app: handle, reached } = await app({ hook });
  try {
    const refused = await handle.evaluate(settle(`${INVOKE}("transfer", { to: "mallory" })`));
    assert.deepEqual(refused, { ok: false, error: "isolation hook refused the call: no transfers" });
    assert.deepEqual(reached, []);
  } finally {
    await handle.close();
  }
});

// ---- Found by the outside review of the rebuilt bridge; each was a working attack before its fix. ----

Deno.test("bridge integrity review: a page cannot feed, or remove, an honest listener or channel by guessing its id", async () => {
  const { app: handle } = await app();
  try {
    await handle.evaluate(`(async () => {
      window.got = [];
      window.channelGot = [];
      await window.airlock.listen("price", (e) => window.got.push(e.payload));
      const channel = window.__TAURI_INTERNALS__.transformCallback((m) => window.channelGot.push(m.message));
      // The attacker: every small id under its own event name, unlistened under the honest one, and as a
      // channel for a command that streams.
      const invoke = ${INVOKE};
      for (let id = 0; id < 300; id++) {
        await invoke("plugin:event|listen", { event: "evil", target: { kind: "Any" }, handler: id });
        await invoke("plugin:event|unlisten", { event: "price", eventId: id });
        window.__TAURI_INTERNALS__.unregisterCallback(id);
      }
      for (let id = 0; id < 50; id++) await invoke("stream", { to: "__CHANNEL__:" + id });
      await window.__TAURI__.event.emit("evil", { forged: true });
    })()`);
    await handle.emit("price", { real: 42 });
    await until(handle, `window.got.length > 0`);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await handle.evaluate(`window.got`), [{ real: 42 }]);
    assert.deepEqual(await handle.evaluate(`window.channelGot`), []);
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity review: a serialiser planted on a built-in prototype neither sees nor replaces arguments", async () => {
  const { app: handle, reached } = await app();
  try {
    const outcome = await handle.evaluate(`(async () => {
      const stolen = [];
      for (const proto of [ArrayBuffer.prototype, Date.prototype, Map.prototype, Set.prototype, Number.prototype,
        String.prototype, RegExp.prototype, Error.prototype, Blob.prototype, Object.getPrototypeOf(Uint8Array.prototype)]) {
        proto.__TAURI_TO_IPC_KEY__ = function () { stolen.push(String(this)); return "REPLACED"; };
      }
      const value = await ${INVOKE}("echo", { buffer: new Uint8Array([1, 2]).buffer, when: new Date(0), n: new Number(5) });
      return { stolen, when: value.when instanceof Date, n: value.n, buffer: value.buffer.byteLength };
    })()`);
    assert.deepEqual(outcome, { stolen: [], when: false, n: 5, buffer: 2 });
    assert.equal(reached.length, 1);
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity review: replaced Promise machinery or a planted then cannot choose an honest answer", async () => {
  const { app: handle } = await app();
  try {
    // Started from a timer and read back later: the test harness's own evaluation needs these built-ins.
    await handle.evaluate(`setTimeout(async () => {
      const { then } = Promise.prototype;
      const constructor = Object.getOwnPropertyDescriptor(Promise.prototype, "constructor");
      const log = [];
      Object.defineProperty(Promise.prototype, "then", { configurable: true, writable: true, value(ok, err) {
        return then.call(this, (v) => { if (v && v.balance !== undefined) { log.push("saw"); v = { balance: 0 }; } return ok ? ok(v) : v; }, err);
      } });
      Object.defineProperty(Promise.prototype, "constructor", { configurable: true, get() { return Object; } });
      Object.defineProperty(Object.prototype, "then", { configurable: true, get() {
        if (this === Object.prototype) return undefined;
        return (resolve) => { log.push("planted then"); resolve({ balance: 1e9 }); };
      } });
      Object.defineProperty(Function.prototype, "then", { configurable: true, get() {
        if (this === Function.prototype) return undefined;
        return (resolve) => { log.push("function then"); resolve(() => {}); };
      } });
      const viaAwait = await window.airlock.invoke("echo", { balance: 12 });
      let viaThen;
      await window.airlock.invoke("echo", { balance: 34 }).then((v) => { viaThen = v; });
      const unlisten = await window.airlock.listen("x", () => {});
      delete Object.prototype.then;
      delete Function.prototype.then;
      Object.defineProperty(Promise.prototype, "then", { configurable: true, writable: true, value: then });
      Object.defineProperty(Promise.prototype, "constructor", constructor);
      window.outcome = JSON.stringify({ viaAwait: viaAwait.balance, viaThen: viaThen.balance, log, unlisten: typeof unlisten });
    }, 0)`);
    await new Promise((r) => setTimeout(r, 1000));
    const outcome = JSON.parse(await until(handle, `window.outcome`) as string);
    assert.deepEqual(outcome, { viaAwait: 12, viaThen: 34, log: [], unlisten: "function" });
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity review: a call that reached the core keeps its real answer when the bridge closes", async () => {
  const { app: handle, reached } = await app();
  try {
    const outcome = await handle.evaluate(`(async () => {
      const call = ${INVOKE}("slow", { ms: 1500 }).then((v) => "answered: " + v, (e) => "rejected: " + (e?.message ?? e));
      await new Promise((r) => setTimeout(r, 300));
      // The frame removed until the relay gives up on this page: the bridge closes.
      for (let i = 0; i < 25; i++) {
        document.querySelector("iframe[data-airlock-isolation]")?.remove();
        await new Promise((r) => setTimeout(r, 10));
      }
      const after = await ${INVOKE}("echo", {}).then(() => "answered", (e) => e?.message ?? e);
      return { call: await call, after };
    })()`) as { call: string; after: string };
    assert.equal(outcome.call, "answered: slow done");
    assert.match(outcome.after, /the isolation frame was removed 20 times/);
    assert.deepEqual(reached.map((r) => r.cmd), ["slow"]);
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity review: invoked with the stack nearly used up, a call settles or throws — never hangs", async () => {
  const { app: handle } = await app({ airlock: { readyTimeoutMs: 2000, hookTimeoutMs: 2000 } });
  try {
    await handle.evaluate(`(() => {
      window.results = {};
      let n = 0;
      const honest = () => {
        const id = n++;
        window.results[id] = "pending";
        try {
          ${INVOKE}("echo", { id }).then(() => window.results[id] = "ok", () => window.results[id] = "rejected");
        } catch {
          window.results[id] = "threw";
        }
      };
      let deepest = 0;
      const dive = (d) => {
        deepest = Math.max(deepest, d);
        try { dive(d + 1); } catch { /* the bottom */ }
        if (d > deepest - 300) { try { honest(); } catch { /* no stack for the wrapper either */ } }
      };
      dive(0);
    })()`);
    await new Promise((r) => setTimeout(r, 6000));
    const results = await handle.evaluate(`Object.values(window.results)`) as string[];
    assert.ok(results.length > 100, `only ${results.length} calls were tried`);
    assert.deepEqual(results.filter((r) => r === "pending"), []);
    assert.ok(results.includes("ok"));
    // And the bridge still works for a call from a clean stack.
    assert.deepEqual(await handle.evaluate(`${INVOKE}("echo", { after: "dive" })`), { after: "dive" });
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity review: a page re-keying the frame over and over cannot keep an honest call waiting", async () => {
  const { app: handle } = await app({ airlock: { readyTimeoutMs: 1500, hookTimeoutMs: 1500 } });
  try {
    const outcome = await handle.evaluate(`(async () => {
      let stop = false;
      (async () => {
        while (!stop) {
          document.querySelector("iframe[data-airlock-isolation]").src = "about:blank";
          await new Promise((r) => setTimeout(r, 120));
        }
      })();
      const started = Date.now();
      const result = await ${INVOKE}("slow", { ms: 1 }).then(() => "answered", (e) => e?.message ?? e);
      const waited = Date.now() - started;
      stop = true;
      return { result, settledInTime: waited < 3000 + 1000 };
    })()`) as { result: string; settledInTime: boolean };
    assert.equal(outcome.settledInTime, true, outcome.result);
    assert.ok(outcome.result === "answered" || /did not run/.test(outcome.result), outcome.result);
  } finally {
    await handle.close();
  }
});

// ---- Found by the second outside review. ----

Deno.test("bridge integrity review 2: a Proxy put under Array.prototype, or a replaced Promise[Symbol.species], changes no honest answer", async () => {
  const { app: handle } = await app();
  try {
    await handle.evaluate(`setTimeout(async () => {
      const arrayProto = Object.getPrototypeOf(Array.prototype);
      const functionProto = Object.getPrototypeOf(Function.prototype);
      const trap = new Proxy({}, { has(_, key) { if (key === "then") throw new Error("trap"); return false; } });
      Object.setPrototypeOf(Array.prototype, trap);
      Object.setPrototypeOf(Function.prototype, trap);
      const species = Object.getOwnPropertyDescriptor(Promise, Symbol.species);
      const seen = [];
      Object.defineProperty(Promise, Symbol.species, { configurable: true, get() {
        return class extends Promise { constructor(executor) { super((ok, no) => executor((v) => { seen.push(v); ok(v); }, no)); } };
      } });
      const list = await window.airlock.invoke("echo", [1, 2, 3]);
      let viaThen;
      await window.airlock.invoke("echo", { secret: "s3cr3t" }).then((v) => { viaThen = v; });
      const unlisten = await window.airlock.listen("x", () => {});
      Object.setPrototypeOf(Array.prototype, arrayProto);
      Object.setPrototypeOf(Function.prototype, functionProto);
      Object.defineProperty(Promise, Symbol.species, species);
      window.outcome = JSON.stringify({ list, viaThen, unlisten: typeof unlisten, seen });
    }, 0)`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(JSON.parse(await until(handle, `window.outcome`) as string), {
      list: [1, 2, 3],
      viaThen: { secret: "s3cr3t" },
      unlisten: "function",
      seen: [],
    });
  } finally {
    await handle.close();
  }
});

Deno.test("bridge integrity review 2: a serialiser planted in another frame's realm does not touch arguments made there", async () => {
  const { app: handle, reached } = await app({ frontend: { "editor.html": "<!doctype html><p>editor</p>" } });
  try {
    const outcome = await handle.evaluate(`(async () => {
      const frame = document.createElement("iframe");
      frame.src = "editor.html";
      document.body.append(frame);
      await new Promise((r) => frame.onload = r);
      const W = frame.contentWindow;
      const stolen = [];
      W.Object.prototype.__TAURI_TO_IPC_KEY__ = function () { stolen.push(JSON.stringify(this)); return { forged: 1 }; };
      W.Array.prototype.__TAURI_TO_IPC_KEY__ = function () { stolen.push("array"); return { forged: 2 }; };
      const doc = W.JSON.parse('{"title":"honest","rows":[1,2,3]}');
      const value = await ${INVOKE}("echo", { doc });
      return { stolen, value };
    })()`);
    assert.deepEqual(outcome, { stolen: [], value: { doc: { title: "honest", rows: [1, 2, 3] } } });
    assert.deepEqual(reached.map((r) => r.args), [{ doc: { title: "honest", rows: [1, 2, 3] } }]);
  } finally {
    await handle.close();
  }
});
