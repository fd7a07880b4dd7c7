// Hook outcomes, limits, binary payloads and per-window keys, in the real webview.
import assert from "node:assert/strict";
import { launch } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";

const INVOKE = "window.__TAURI__.core.invoke";

Deno.test("a hook that never answers: the caller rejects after hookTimeoutMs; other calls go on", async () => {
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (message) =>
    message.cmd === "hang" ? new Promise(() => {}) : message;`;
  const app = await launch({
    config: await makeApp({ hook, airlock: { hookTimeoutMs: 300 } }),
    commands: { echo: (args) => args, hang: () => "never reached" },
  });
  try {
    const started = Date.now();
    const [hung, fine] = await app.evaluate(`Promise.all([
      (${settle(`${INVOKE}("hang", {})`)}),
      ${INVOKE}("echo", { fine: true }),
    ])`) as [unknown, unknown];
    assert.deepEqual(hung, { ok: false, error: "the isolation hook did not answer within 300 ms" });
    assert.deepEqual(fine, { fine: true });
    assert.ok(Date.now() - started >= 300);
  } finally {
    await app.close();
  }
});

Deno.test("an isolation frame that never becomes ready: queued calls reject after readyTimeoutMs", async () => {
  // The app mentions the hook but never defines it, so the frame never says it is ready.
  const hook = `// window.__TAURI_ISOLATION_HOOK__ is defined later... or, here, never.`;
  const app = await launch({
    config: await makeApp({ hook, airlock: { readyTimeoutMs: 400 } }),
    commands: { echo: (args) => args },
  });
  try {
    const results = await app.evaluate(
      `Promise.all([1, 2, 3].map((i) => (${settle(`${INVOKE}("echo", { i })`)})))`,
    ) as { ok: boolean; error: string }[];
    assert.equal(results.length, 3);
    for (const result of results) {
      assert.deepEqual(result, { ok: false, error: "the isolation frame was not ready within 400 ms" });
    }
  } finally {
    await app.close();
  }
});

Deno.test("a hook defined late: calls wait for it instead of failing", async () => {
  const hook = `setTimeout(() => { window.__TAURI_ISOLATION_HOOK__ = (m) => m; }, 150);`;
  const app = await launch({ config: await makeApp({ hook }), commands: { echo: (args) => args } });
  try {
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { waited: true })`), { waited: true });
  } finally {
    await app.close();
  }
});

Deno.test("the hook is told which window sent the message", async () => {
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (message, context) =>
    ({ ...message, payload: { ...message.payload, window: context.window } });`;
  const app = await launch({
    config: await makeApp({ hook }),
    commands: { echo: (args) => args },
    label: "settings",
  });
  try {
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { a: 1 })`), { a: 1, window: "settings" });
  } finally {
    await app.close();
  }
});

Deno.test("limits: nesting depth and message size are refused with the reason, on both sides of the seal", async () => {
  const app = await launch({
    config: await makeApp({ airlock: { maxDepth: 8, maxMessageBytes: 64 * 1024 } }),
    commands: { echo: (args) => args, big: ({ n }: { n: number }) => "x".repeat(n) },
  });
  try {
    const deep = await app.evaluate(settle(`${INVOKE}("echo", JSON.parse("[".repeat(20) + "]".repeat(20)))`));
    assert.deepEqual(deep, { ok: false, error: "the call nests deeper than 8 levels" });
    const large = await app.evaluate(settle(`${INVOKE}("echo", { s: "x".repeat(100 * 1024) })`)) as {
      error: string;
    };
    assert.match(large.error, /^the call is too large \(\d+ bytes, limit 65536\)$/);
    // A cycle is just infinite depth.
    const cyclic = await app.evaluate(
      settle(`(() => { const a = {}; a.a = a; return ${INVOKE}("echo", a); })()`),
    );
    assert.deepEqual(cyclic, { ok: false, error: "the call nests deeper than 8 levels" });
    // Within the limits all is well.
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { s: "x".repeat(1000) })`), {
      s: "x".repeat(1000),
    });
    // Results are not bound by the call limit (they do not cross the seal).
    assert.equal(await app.evaluate(`${INVOKE}("big", { n: 100000 }).then((s) => s.length)`), 100000);
  } finally {
    await app.close();
  }
});

Deno.test("binary: Uint8Array and ArrayBuffer cross isolation as bytes, 1 MiB on ≤ 1.4× the wire", async () => {
  const seen: unknown[] = [];
  const app = await launch({
    config: await makeApp(),
    commands: {
      bytes: (args: { data: Uint8Array; raw: Uint8Array; label: string }) => {
        seen.push(args);
        // Echo back, reversed, with an ArrayBuffer beside it.
        return { reversed: args.data.slice().reverse(), buffer: args.raw.buffer, label: args.label };
      },
    },
  });
  try {
    const result = await app.evaluate(`(async () => {
      const sizes = [];
      window.addEventListener("message", (e) => {
        if (e.data && e.data.airlock === "sealed") sizes.push(e.data.envelope.length);
      });
      const data = new Uint8Array(1024 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 255;
      const raw = new Uint8Array([9, 8, 7]).buffer;
      const out = await ${INVOKE}("bytes", { data, raw, label: "one MiB" });
      let same = out.reversed.length === data.length;
      for (let i = 0; same && i < data.length; i++) same = out.reversed[i] === data[data.length - 1 - i];
      return {
        wire: sizes[0],
        reversedIsBytes: out.reversed instanceof Uint8Array,
        same,
        buffer: Array.from(out.buffer),
        bufferIsBytes: out.buffer instanceof Uint8Array,
        label: out.label,
      };
    })()`) as Record<string, unknown>;
    assert.equal(result.reversedIsBytes, true);
    assert.equal(result.same, true);
    assert.equal(result.bufferIsBytes, true);
    assert.deepEqual(result.buffer, [9, 8, 7]);
    assert.equal(result.label, "one MiB");
    const ratio = (result.wire as number) / (1024 * 1024);
    assert.ok(ratio <= 1.4, `1 MiB went over the wire as ${result.wire} bytes (${ratio.toFixed(3)}×)`);
    const args = seen[0] as { data: Uint8Array; raw: Uint8Array };
    assert.ok(args.data instanceof Uint8Array && args.data.length === 1024 * 1024);
    assert.ok(args.raw instanceof Uint8Array);
    assert.deepEqual([...args.raw], [9, 8, 7]);
    // A plain object that claims to be a byte reference cannot be smuggled in.
    const smuggled = await app.evaluate(settle(`${INVOKE}("bytes", { data: { $bytes: 0 } })`)) as {
      error: string;
    };
    assert.match(smuggled.error, /\$bytes/);
  } finally {
    await app.close();
  }
});

Deno.test("per-window keys: a message sealed in one window is refused by another", async () => {
  const a = await launch({
    config: await makeApp(),
    commands: { echo: (x) => x },
    label: "a",
    audit: () => {},
  });
  const b = await launch({
    config: await makeApp(),
    commands: { echo: (x) => x },
    label: "b",
    audit: () => {},
  });
  try {
    await a.evaluate(`(() => {
      window.captured = [];
      window.addEventListener("message", (e) => e.data && e.data.airlock === "sealed" && window.captured.push(e.data.envelope));
    })()`);
    await a.evaluate(`${INVOKE}("echo", {})`);
    await b.evaluate(`${INVOKE}("echo", {})`);
    const [wire] = await a.evaluate(`window.captured`) as string[];
    const answer = JSON.parse(
      await b.evaluate(`window.webkit.messageHandlers.airlockCore.postMessage(${JSON.stringify(wire)})`, {
        world: "airlock",
      }) as string,
    );
    assert.match(answer.error, /another session/);
  } finally {
    await a.close();
    await b.close();
  }
});
