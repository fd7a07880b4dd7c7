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
      assert.deepEqual(result, {
        ok: false,
        error: "the isolation frame was not ready within 400 ms (the command did not run)",
      });
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
  const sizes: number[] = []; // what the core receives for each call
  const app = await launch({
    // A large call is POSTed as bytes ("B" + its size); a small one is a string ("s" + envelope).
    tap: (message) =>
      void (message.startsWith("B")
        ? sizes.push(Number(message.slice(1)))
        : message.startsWith("s") && sizes.push(message.length - 1)),
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
      const data = new Uint8Array(1024 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 255;
      const raw = new Uint8Array([9, 8, 7]).buffer;
      const out = await ${INVOKE}("bytes", { data, raw, label: "one MiB" });
      let same = out.reversed.length === data.length;
      for (let i = 0; same && i < data.length; i++) same = out.reversed[i] === data[data.length - 1 - i];
      return {
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
    const wire = sizes[0];
    const ratio = wire / (1024 * 1024);
    assert.ok(ratio <= 1.4, `1 MiB went over the wire as ${wire} bytes (${ratio.toFixed(3)}×)`);
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
  const fromA: string[] = [];
  const a = await launch({
    config: await makeApp(),
    commands: { echo: (x) => x },
    label: "a",
    audit: () => {},
    tap: (message) => void (message.startsWith("s") && fromA.push(message)),
  });
  const b = await launch({
    config: await makeApp(),
    commands: { echo: (x) => x },
    label: "b",
    audit: () => {},
  });
  try {
    await a.evaluate(`${INVOKE}("echo", {})`);
    await b.evaluate(`${INVOKE}("echo", {})`);
    const answer = JSON.parse(
      await b.evaluate(`window.webkit.messageHandlers.airlockCore.postMessage(${JSON.stringify(fromA[0])})`, {
        world: "airlock",
      }) as string,
    );
    assert.match(answer.error, /another session/);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("a re-key while calls are in flight: every call settles, none runs twice", async () => {
  const runs = new Map<number, number>();
  const app = await launch({
    config: await makeApp(),
    commands: {
      count: ({ i }: { i: number }) => {
        runs.set(i, (runs.get(i) ?? 0) + 1);
        return i;
      },
    },
    audit: () => {},
  });
  try {
    for (let round = 0; round < 3; round++) {
      runs.clear();
      const calls = app.evaluate(`Promise.all(Array.from({ length: 300 }, (_, i) =>
        ${INVOKE}("count", { i }).then(() => "ok", (e) => e?.message ?? e)))`) as Promise<string[]>;
      await new Promise((r) => setTimeout(r, 5));
      await app.rebuildIsolation(); // a new document, key and handshake, mid-stream
      const outcomes = await calls;
      assert.equal(outcomes.length, 300);
      // Settled: answered, or refused with the reason (an envelope sealed for the old key).
      for (const outcome of outcomes) assert.match(outcome, /^ok$|another session|not loaded/);
      const twice = [...runs].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], "calls that ran twice");
    }
  } finally {
    await app.close();
  }
});

Deno.test("a result holding a reserved $bytes key is an error for the caller, not a hang", async () => {
  const app = await launch({
    config: await makeApp(),
    commands: { odd: () => ({ data: new Uint8Array([1]), meta: JSON.parse('{"$bytes": 0}') }) },
  });
  try {
    const result = await app.evaluate(settle(`${INVOKE}("odd", {})`)) as { ok: boolean; error: string };
    assert.equal(result.ok, false);
    assert.match(result.error, /cannot be sent to the page.*\$bytes/);
  } finally {
    await app.close();
  }
});

Deno.test("rate limit: one window's flood is refused over its rate while another window keeps answering", async () => {
  const config = await makeApp({ airlock: { callsPerSecond: 200 } });
  const raw = JSON.parse(await Deno.readTextFile(config));
  raw.app = { windows: [{ label: "main" }, { label: "calm", width: 320, height: 240 }] };
  await Deno.writeTextFile(config, JSON.stringify(raw));
  const audit: string[] = [];
  let ran = 0;
  const app = await launch({
    config,
    commands: { work: () => ++ran, ping: () => "pong" },
    audit: (entry) => audit.push(entry.reason),
  });
  try {
    const calm = app.window("calm")!;
    // 3,000 calls at once from main, for about a second and a half.
    const flood = app.evaluate(`(async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 3000 }, () => window.__TAURI__.core.invoke("work")),
      );
      const refused = results.filter((r) => r.status === "rejected");
      return { ok: results.length - refused.length, refused: refused.length, reason: String(refused[0]?.reason) };
    })()`);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      assert.equal(await calm.evaluate(`window.__TAURI__.core.invoke("ping")`), "pong");
      latencies.push(performance.now() - started);
    }
    const flooded = await flood as { ok: number; refused: number; reason: string };
    assert.equal(flooded.ok + flooded.refused, 3000);
    assert.ok(flooded.ok >= 200 && flooded.ok < 1000, `ran ${flooded.ok}`);
    assert.equal(flooded.ok, ran, "every call that was answered ok ran once; the refused did not run");
    assert.equal(
      flooded.reason,
      "rejected by the core: more than 200 calls per second from this window (the command did not run)",
    );
    assert.ok(
      audit.some((r) => /^\d+ calls refused over the rate limit \(200 per second\)$/.test(r)),
      audit.join("\n"),
    );
    // The calm window's calls never waited behind the flood for long (generous bound: a loaded CI machine).
    assert.ok(Math.max(...latencies) < 1500, `calm window latencies ${latencies.map(Math.round)}`);
  } finally {
    for (const window of app.windows()) await window.close();
  }
});

Deno.test("large calls: POSTed as bytes by the relay; a page's own POST to the endpoint runs nothing", async () => {
  const taps: string[] = [];
  let ran = 0;
  const audit: string[] = [];
  const app = await launch({
    config: await makeApp(),
    tap: (wire) => void taps.push(wire[0] === "B" ? wire : wire[0]),
    audit: (entry) => audit.push(entry.reason),
    commands: { size: (args: { data: Uint8Array }) => (ran++, args.data.length) },
  });
  try {
    assert.equal(await app.evaluate(`${INVOKE}("size", { data: new Uint8Array(300000) })`), 300000);
    assert.ok(taps.some((t) => /^B300\d{3}$/.test(t)), `a byte envelope was POSTed: ${taps}`);
    // The page can reach the endpoint (same origin), but without the relay's token nothing opens or runs.
    const answer = await app.evaluate(`fetch("/__airlock/ipc", {
      method: "POST",
      body: new Uint8Array(70000),
      headers: { "X-Airlock-Relay": "guess" },
    }).then((r) => r.json())`);
    assert.deepEqual(answer, { ok: false, error: "rejected by the core: a POST without the relay's token" });
    assert.equal(ran, 1);
    assert.ok(audit.includes("a POST without the relay's token"));
  } finally {
    await app.close();
  }
});

Deno.test("a large call whose POST a page stops, re-keyed and flooded behind: it runs once, and its caller gets its answer", async () => {
  const runs: number[] = [];
  const app = await launch({
    config: await makeApp(),
    audit: () => {},
    commands: {
      noop: () => 0,
      // Honest, not idempotent, and slow enough to be running while the page acts.
      transfer: async () => {
        runs.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return "transferred";
      },
    },
  });
  try {
    const out = await app.evaluate(`(async () => {
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      const honest = ${INVOKE}("transfer", { attachment: new Uint8Array(100000) })
        .then((v) => "got: " + v, (e) => "error: " + e);
      // A hostile script: re-key the frame, flood the core's memory of what ran, stop the relay's POST.
      await sleep(100);
      document.querySelector("iframe[data-airlock-isolation]").remove();
      await ${INVOKE}("noop");
      const flood = Array.from({ length: 4200 }, () => ${INVOKE}("noop").catch(() => 0));
      window.stop();
      await Promise.all(flood);
      return await honest;
    })()`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(runs.length, 1, `transfer ran ${runs.length} times`);
    assert.equal(out, "got: transferred");
  } finally {
    await app.close();
  }
});
