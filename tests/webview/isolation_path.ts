// End to end through a real WebKitGTK webview (under Xvfb in CI): page → isolation hook → AES-GCM → core →
// page. Nothing here is simulated.
import assert from "node:assert/strict";
import { launch } from "../../mod.ts";
import type { CommandContext } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";

const INVOKE = "window.__TAURI__.core.invoke";

function recorder() {
  const seen: { cmd: string; args: unknown; window: string }[] = [];
  const record = (cmd: string) => (args: unknown, context: CommandContext) => {
    seen.push({ cmd, args, window: context.window });
    return args;
  };
  return { seen, commands: { echo: record("echo"), other: record("other") } };
}

Deno.test("the seed's example isolation app: invoke round trip through hook, seal and core", async () => {
  const { seen, commands } = recorder();
  const app = await launch({ config: await makeApp(), commands });
  try {
    const result = await app.evaluate(settle(`${INVOKE}("echo", { text: "hi", n: [1, 2] })`));
    assert.deepEqual(result, { ok: true, value: { text: "hi", n: [1, 2] } });
    // Airlock's own global is the same invoke.
    assert.deepEqual(await app.evaluate(`window.airlock.invoke("echo", { via: "airlock" })`), {
      via: "airlock",
    });
    assert.deepEqual(seen.map((s) => s.cmd), ["echo", "echo"]);
    assert.equal(seen[0].window, "main");
    // Far more calls in flight than the replay window is wide: all settle, each with its own answer.
    const many = await app.evaluate(
      `Promise.all(Array.from({ length: 1000 }, (_, i) => ${INVOKE}("echo", { i })))`,
    ) as { i: number }[];
    assert.deepEqual(many.map((x) => x.i), Array.from({ length: 1000 }, (_, i) => i));
  } finally {
    await app.close();
  }
});

Deno.test("a hook that rewrites the arguments: the core sees the rewrite", async () => {
  const { seen, commands } = recorder();
  const hook = `window.__TAURI_ISOLATION_HOOK__ = async (message) => {
    await new Promise((r) => setTimeout(r, 5)); // async hooks are awaited
    return { ...message, payload: { ...message.payload, path: "safe.txt", checkedBy: "hook" } };
  };`;
  const app = await launch({ config: await makeApp({ hook }), commands });
  try {
    const result = await app.evaluate(settle(`${INVOKE}("echo", { path: "../../etc/passwd" })`));
    assert.deepEqual(result, { ok: true, value: { path: "safe.txt", checkedBy: "hook" } });
    assert.deepEqual(seen[0].args, { path: "safe.txt", checkedBy: "hook" });
  } finally {
    await app.close();
  }
});

Deno.test("the hook sees each call as the core will: JSON values (plain calls arrive as JSON text) and bytes", async () => {
  const { seen, commands } = recorder();
  // The hook reports what it was given: each argument's kind, and the keys it saw.
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (message) => {
    const kinds = {};
    for (const [key, value] of Object.entries(message.payload)) {
      kinds[key] = value instanceof Uint8Array ? "bytes" : value === null ? "null" : typeof value;
    }
    return { ...message, payload: { ...message.payload, kinds } };
  };`;
  const app = await launch({ config: await makeApp({ hook }), commands });
  try {
    const plain = await app.evaluate(
      `${INVOKE}("echo", { a: 1, skip: undefined, n: NaN, list: [1, -0], deep: { x: [{ y: "ü" }] } })`,
    );
    assert.deepEqual(plain, {
      a: 1,
      n: null,
      list: [1, 0],
      deep: { x: [{ y: "ü" }] },
      kinds: { a: "number", n: "null", list: "object", deep: "object" },
    });
    const mixed = await app.evaluate(
      `${INVOKE}("echo", { when: new Date(0), data: new Uint8Array([1, 2]), skip: undefined })`,
    ) as Record<string, unknown>;
    assert.equal(mixed.when, "1970-01-01T00:00:00.000Z");
    assert.deepEqual(mixed.kinds, { when: "string", data: "bytes" });
    assert.deepEqual([...(seen[1].args as { data: Uint8Array }).data], [1, 2]);
  } finally {
    await app.close();
  }
});

Deno.test("bytes reach the hook as the Uint8Array the core gets, whatever view the page sent them in", async () => {
  const { seen, commands } = recorder();
  // A hook that refuses an executable (ELF magic) or more than 16 bytes: a Float64Array or DataView of the
  // same bytes must not look harmless to it.
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (message) => {
    const data = message.payload.data;
    if (!(data instanceof Uint8Array)) throw new Error("not a Uint8Array: " + Object.prototype.toString.call(data));
    if (data.length > 16 || (data[0] === 0x7f && data[1] === 0x45)) throw new Error("refused " + data.length + " bytes");
    return message;
  };`;
  const app = await launch({ config: await makeApp({ hook }), commands });
  try {
    const got = await app.evaluate(`(async () => {
      const elf = new Uint8Array(64); elf.set([0x7f, 0x45, 0x4c, 0x46]);
      const as = (data) => ${INVOKE}("echo", { data }).then(() => "saved", (e) => String(e));
      return {
        float64: await as(new Float64Array(elf.buffer)),
        dataView: await as(new DataView(elf.buffer)),
        clamped: await as(new Uint8ClampedArray(elf.buffer)),
        small: await as(new Uint8Array([1, 2, 3])),
      };
    })()`);
    assert.deepEqual(got, {
      float64: "isolation hook refused the call: refused 64 bytes",
      dataView: "isolation hook refused the call: refused 64 bytes",
      clamped: "isolation hook refused the call: refused 64 bytes",
      small: "saved",
    });
    assert.equal(seen.length, 1);
  } finally {
    await app.close();
  }
});

Deno.test("calls that leave in one turn reach the core as one batch; a slow one among them holds up no other", async () => {
  for (const hook of [undefined, null]) { // isolation, then brownfield
    const taps: string[] = [];
    const app = await launch({
      config: await makeApp({ hook }),
      tap: (wire) => void (wire[0] === "b" && taps.push(wire)),
      commands: {
        echo: (args: { i: number }) => args.i,
        slow: () => new Promise((done) => setTimeout(() => done("slow"), 700)),
      },
    });
    try {
      // Just after start the frame seals with WebCrypto (its in-place key streams are still being made),
      // and each seal comes back in a task of its own.
      await app.evaluate(`new Promise((done) => setTimeout(done, 300))`);
      const got = await app.evaluate(`(async () => {
        const started = performance.now();
        const slow = ${INVOKE}("slow").then((value) => ({ value, ms: performance.now() - started }));
        const fast = await Promise.all(Array.from({ length: 20 }, (_, i) => ${INVOKE}("echo", { i })));
        const fastMs = performance.now() - started;
        return { fast, fastMs, slow: await slow };
      })()`) as { fast: number[]; fastMs: number; slow: { value: string; ms: number } };
      assert.deepEqual(got.fast, Array.from({ length: 20 }, (_, i) => i));
      assert.ok(got.fastMs < 500, `the fast calls waited for the slow one (${got.fastMs} ms)`);
      assert.equal(got.slow.value, "slow");
      assert.ok(got.slow.ms >= 690, `${got.slow.ms}`);
      assert.ok(taps.length > 0 && taps.every((t) => /^b\d+$/.test(t)), `batches: ${taps}`);
      assert.equal(taps.map((t) => Number(t.slice(1))).reduce((a, b) => a + b, 0), 21, `${taps}`);
    } finally {
      await app.close();
    }
  }
});

Deno.test("a hook that throws: the caller's promise rejects with the hook's message, the core sees nothing", async () => {
  const { seen, commands } = recorder();
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (message) => {
    if (message.cmd === "other") throw new Error("other is not allowed here");
    return message;
  };`;
  const app = await launch({ config: await makeApp({ hook }), commands });
  try {
    const refused = await app.evaluate(settle(`${INVOKE}("other", {})`)) as { ok: boolean; error: string };
    assert.equal(refused.ok, false);
    assert.match(refused.error, /other is not allowed here/);
    assert.deepEqual(seen, []);
    // The app keeps serving honest calls.
    assert.deepEqual(await app.evaluate(settle(`${INVOKE}("echo", { fine: true })`)), {
      ok: true,
      value: { fine: true },
    });
  } finally {
    await app.close();
  }
});

Deno.test("a hook that returns nothing or a malformed message: the caller learns why", async () => {
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (message) =>
    message.payload.mode === "nothing" ? undefined : { ...message, cmd: 42 };`;
  const app = await launch({ config: await makeApp({ hook }), commands: recorder().commands });
  try {
    const nothing = await app.evaluate(settle(`${INVOKE}("echo", { mode: "nothing" })`)) as { error: string };
    assert.match(nothing.error, /returned nothing/);
    const malformed = await app.evaluate(settle(`${INVOKE}("echo", { mode: "bad" })`)) as { error: string };
    assert.match(malformed.error, /without a command name/);
  } finally {
    await app.close();
  }
});

Deno.test("command errors, unknown commands and async commands settle the caller's promise", async () => {
  const app = await launch({
    config: await makeApp(),
    commands: {
      fail: () => {
        throw new Error("disk on fire");
      },
      // An async command finishing on a Deno timer and a file read while the window is open.
      slow: async () => {
        await new Promise((done) => setTimeout(done, 50));
        return (await Deno.readTextFile(new URL(import.meta.url))).length > 0;
      },
      cyclic: () => {
        const value: Record<string, unknown> = {};
        value.self = value;
        return value;
      },
    },
  });
  try {
    assert.deepEqual(await app.evaluate(settle(`${INVOKE}("fail")`)), { ok: false, error: "disk on fire" });
    assert.deepEqual(await app.evaluate(settle(`${INVOKE}("nope")`)), {
      ok: false,
      error: "unknown command: nope",
    });
    assert.deepEqual(await app.evaluate(settle(`${INVOKE}("slow")`)), { ok: true, value: true });
    const cyclic = await app.evaluate(settle(`${INVOKE}("cyclic")`)) as { error: string };
    assert.match(cyclic.error, /cannot be sent to the page/);
    const badName = await app.evaluate(settle(`${INVOKE}(42)`)) as { error: string };
    assert.match(badName.error, /command name must be a non-empty string/);
    // Prototype names are not commands.
    assert.deepEqual(await app.evaluate(settle(`${INVOKE}("constructor")`)), {
      ok: false,
      error: "unknown command: constructor",
    });
  } finally {
    await app.close();
  }
});

Deno.test("an unsealed message posted straight to the core is rejected, and pages cannot even post one", async () => {
  const { seen, commands } = recorder();
  const audit: string[] = [];
  const app = await launch({ config: await makeApp(), commands, audit: (entry) => audit.push(entry.reason) });
  try {
    await app.evaluate(`${INVOKE}("echo", {})`); // the isolation session is up
    seen.length = 0;
    // The page's own world has no route to the core's message handler at all.
    assert.equal(await app.evaluate(`typeof window.webkit?.messageHandlers?.airlockCore`), "undefined");
    // From the bridge's own world (as if a page had broken out), unsealed and forged messages fail.
    const post = (body: string) =>
      app.evaluate(`window.webkit.messageHandlers.airlockCore.postMessage(${JSON.stringify(body)})`, {
        world: "airlock",
      }).then((text) => JSON.parse(text as string));
    const plain = await post(JSON.stringify({ kind: "invoke", id: 1, cmd: "echo", payload: { x: 1 } }));
    assert.equal(plain.ok, false);
    assert.match(plain.error, /rejected by the core: message is not sealed/);
    assert.ok(audit.includes("message is not sealed by the isolation frame"), "on the audit line");
    const brownfieldStyle = await post(JSON.stringify({ plain: true, id: 1, message: { cmd: "echo" } }));
    assert.match(brownfieldStyle.error, /not sealed/);
    const forged = await post(
      "s" + JSON.stringify({ v: 1, sid: "0".repeat(32), seq: 1, iv: "A".repeat(16), ct: "A".repeat(32) }),
    );
    assert.match(forged.error, /another session/);
    const empty = await post("");
    assert.match(empty.error, /not sealed/);
    const plainInIsolation = await post("p" + btoa("{}"));
    assert.match(plainInIsolation.error, /not sealed/);
    assert.deepEqual(seen, []);
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { still: "works" })`), { still: "works" });
  } finally {
    await app.close();
  }
});

Deno.test("the main frame cannot read the isolation key: not by fetch, DOM, iframe src or performance", async () => {
  const app = await launch({ config: await makeApp(), commands: recorder().commands });
  try {
    await app.evaluate(`${INVOKE}("echo", {})`); // the iframe is loaded and keyed
    const probe = await app.evaluate(`(async () => {
      const attempt = async (url) => {
        try { const r = await fetch(url); return "read " + r.status + ": " + (await r.text()).slice(0, 40); }
        catch (e) { return "failed: " + e.name; }
      };
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      let frameDocument = "inaccessible";
      try { frameDocument = frame.contentDocument ? "ACCESSIBLE" : "inaccessible"; } catch { }
      let frameLocation = "inaccessible";
      try { frameLocation = String(frame.contentWindow.location.href); } catch { }
      return {
        fetchDocument: await attempt("isolation://localhost/"),
        fetchIndexJs: await attempt("isolation://localhost/index.js"),
        fetchFrameSrc: await attempt(frame.src),
        frameSrc: frame.src,
        frameSandbox: frame.getAttribute("sandbox"),
        frameDocument,
        frameLocation,
        html: document.documentElement.outerHTML,
        performance: JSON.stringify(performance.getEntries()),
      };
    })()`) as Record<string, string>;
    assert.match(probe.fetchDocument, /^failed/);
    assert.match(probe.fetchIndexJs, /^failed/);
    // The src names the blank first document only: the ticket never appears in an attribute.
    assert.equal(probe.frameSrc, "isolation://localhost/blank");
    assert.match(probe.fetchFrameSrc, /^failed/);
    assert.equal(probe.frameSandbox, "allow-scripts allow-same-origin");
    assert.equal(probe.frameDocument, "inaccessible");
    assert.equal(probe.frameLocation, "inaccessible");
    // A 256-bit key in base64 is 43 characters and a pad; nothing like it is anywhere the page can look.
    for (const where of ["frameSrc", "html", "performance"]) {
      assert.doesNotMatch(probe[where], /[A-Za-z0-9+/]{43}=/, `key-like value in ${where}`);
    }
  } finally {
    await app.close();
  }
});

Deno.test("brownfield pattern: no iframe, calls reach the core directly", async () => {
  const { seen, commands } = recorder();
  const app = await launch({ config: await makeApp({ hook: null }), commands });
  try {
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { plain: 1 })`), { plain: 1 });
    assert.equal(await app.evaluate(`document.querySelectorAll("iframe").length`), 0);
    assert.equal(seen.length, 1);
  } finally {
    await app.close();
  }
});

Deno.test("reload gives the page a fresh isolation session that works", async () => {
  const app = await launch({ config: await makeApp(), commands: recorder().commands });
  try {
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { before: 1 })`), { before: 1 });
    await app.reload();
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { after: 1 })`), { after: 1 });
  } finally {
    await app.close();
  }
});

Deno.test("two windows at once, each with its own session", async () => {
  const a = await launch({ config: await makeApp(), commands: recorder().commands, label: "a" });
  const b = await launch({ config: await makeApp(), commands: recorder().commands, label: "b" });
  try {
    const [ra, rb] = await Promise.all([
      a.evaluate(`${INVOKE}("echo", { from: "a" })`),
      b.evaluate(`${INVOKE}("echo", { from: "b" })`),
    ]);
    assert.deepEqual([ra, rb], [{ from: "a" }, { from: "b" }]);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("the isolation iframe has no route to the core either", async () => {
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (message) => ({
    ...message,
    payload: { channel: typeof (window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.airlockCore) },
  });`;
  const app = await launch({ config: await makeApp({ hook }), commands: recorder().commands });
  try {
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", {})`), { channel: "undefined" });
  } finally {
    await app.close();
  }
});

Deno.test("an isolation app that sets the hook to null passes calls as they are (Tauri's no-hook); a load error fails calls at once", async () => {
  const { seen, commands } = recorder();
  const none = await launch({
    config: await makeApp({ hook: "window.__TAURI_ISOLATION_HOOK__ = null;" }),
    commands,
  });
  try {
    assert.deepEqual(await none.evaluate(`${INVOKE}("echo", { as: "is" })`), { as: "is" });
    assert.deepEqual(seen.map((s) => s.args), [{ as: "is" }]);
  } finally {
    await none.close();
  }
  const broken = await launch({
    config: await makeApp({
      hook: `throw new Error("setup failed"); window.__TAURI_ISOLATION_HOOK__ = (m) => m;`,
      airlock: { readyTimeoutMs: 8000 },
    }),
    commands,
  });
  try {
    const started = Date.now();
    const outcome = await broken.evaluate(settle(`${INVOKE}("echo", {})`)) as { ok: boolean; error: string };
    assert.equal(outcome.ok, false);
    assert.match(
      outcome.error,
      /the isolation app failed to load: .*setup failed.*\(the command did not run\)/,
    );
    assert.ok(Date.now() - started < 4000, "it waited for the ready timeout");
  } finally {
    await broken.close();
  }
});
