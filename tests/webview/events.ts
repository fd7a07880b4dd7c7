// Events through isolation, both directions, in the real webview.
import assert from "node:assert/strict";
import { launch } from "../../mod.ts";
import type { EventMessage } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";

Deno.test("events: page emit passes the hook and reaches the core; core emit reaches only the listening page", async () => {
  // The hook sees event traffic in Tauri's shape and may rewrite or refuse it like any call.
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (message) => {
    if (message.cmd === "plugin:event|emit" && message.payload.event === "forbidden") {
      throw new Error("the hook refuses this event");
    }
    if (message.cmd === "plugin:event|emit") {
      return { ...message, payload: { ...message.payload, payload: { ...message.payload.payload, hooked: true } } };
    }
    return message;
  };`;
  const app = await launch({ config: await makeApp({ hook }), label: "events-a" });
  const other = await launch({ config: await makeApp({ hook }), label: "events-b" });
  try {
    const heard: EventMessage[] = [];
    app.listen("greeting", (message) => void heard.push(message));

    // Page → core, through the hook (which adds hooked: true).
    await app.evaluate(`window.__TAURI__.event.emit("greeting", { text: "hello" })`);
    assert.deepEqual(heard, [{
      event: "greeting",
      payload: { text: "hello", hooked: true },
      window: "events-a",
    }]);
    const refused = await app.evaluate(settle(`window.airlock.emit("forbidden", {})`));
    assert.deepEqual(refused, {
      ok: false,
      error: "isolation hook refused the call: the hook refuses this event",
    });

    // Core → page: only listeners of that event, only in that window; bytes stay bytes.
    await Promise.all([app, other].map((w) =>
      w.evaluate(`(async () => {
        window.got = [];
        window.stop = await window.airlock.listen("tick", (e) => window.got.push(e.payload));
        await window.airlock.listen("tock", (e) => window.got.push("tock"));
      })()`)
    ));
    await app.emit("tick", { n: 1, bytes: new Uint8Array([1, 2, 255]) });
    await app.emit("nobody-listens", { n: 0 });
    await app.emit("tick", { n: 2 });
    const got = await waitFor(app, `window.got.length >= 2 && window.got`);
    assert.deepEqual(got, [{ n: 1, bytes: { 0: 1, 1: 2, 2: 255 } }, { n: 2 }]);
    assert.equal(
      await app.evaluate(
        `(async () => { await new Promise(r => setTimeout(r, 50)); return window.got[0].bytes instanceof Uint8Array; })()`,
      ),
      true,
    );
    assert.deepEqual(await other.evaluate(`window.got`), []);

    // Unlisten: no more deliveries to that handler.
    await app.evaluate(
      `(async () => { window.stop(); await window.airlock.invoke("plugin:event|unlisten", { event: "tick", eventId: 999 }); })()`,
    );
    await app.emit("tick", { n: 3 });
    await app.emit("tock");
    assert.deepEqual(await waitFor(app, `window.got.length >= 3 && window.got`), [
      { n: 1, bytes: { 0: 1, 1: 2, 2: 255 } },
      { n: 2 },
      "tock",
    ]);

    // A page emit also reaches the page's own listeners (as in Tauri), after the hook.
    await app.evaluate(`window.airlock.listen("greeting", (e) => window.got.push(e.payload))`);
    await app.evaluate(`window.airlock.emit("greeting", { text: "again" })`);
    assert.deepEqual((await waitFor(app, `window.got.length >= 4 && window.got`) as unknown[])[3], {
      text: "again",
      hooked: true,
    });

    // Bad event names and handlers are refused with a reason.
    assert.deepEqual(
      await app.evaluate(settle(`window.airlock.emit("no spaces allowed", {})`)),
      { ok: false, error: "event name must be 1–256 characters of letters, digits, -, /, : and _" },
    );
    assert.deepEqual(await app.evaluate(settle(`window.airlock.listen("x", 42)`)), {
      ok: false,
      error: "listen: the handler must be a function",
    });
  } finally {
    await app.close();
    await other.close();
  }
});

Deno.test("events: a page cannot forge or replay a core event, nor a channel message", async () => {
  const down: string[] = [];
  const app = await launch({
    config: await makeApp(),
    label: "events-forge",
    tap: (wire) => void (wire.startsWith("d") && down.push(wire.slice(1))),
  });
  try {
    await app.evaluate(`(async () => {
      window.got = [];
      window.channelGot = [];
      window.channelId = window.__TAURI_INTERNALS__.transformCallback((m) => window.channelGot.push(m));
      await window.airlock.listen("secret", (e) => window.got.push(e.payload));
    })()`);
    // The sealed events the core hands the iframe, as an attacker who could watch that hop would have
    // them (the page cannot even see them).
    await app.emit("secret", { n: 1 });
    await waitFor(app, `window.got.length === 1`);
    const [captured] = down;
    assert.equal(typeof captured, "string");
    const envelope = JSON.parse(captured);
    const outcome = await app.evaluate(`(async () => {
      const frame = document.querySelector("iframe[data-airlock-isolation]");
      // 1. A made-up event and channel message, posted to the page as if the iframe had sent them.
      window.postMessage({ airlock: "event", kind: "event", event: "secret", handlers: [1], payload: { forged: true } }, "*");
      window.postMessage({ airlock: "event", kind: "channel", channel: window.channelId, message: { forged: true } }, "*");
      // 2. The captured sealed event replayed to the iframe, renumbered, and one made up outright.
      const replay = (envelope) => frame.contentWindow.postMessage({ airlock: "event", envelope }, "*");
      replay(${JSON.stringify(captured)});
      replay(${JSON.stringify(JSON.stringify({ ...envelope, seq: envelope.seq + 5 }))});
      replay(JSON.stringify({ v: 1, sid: "0".repeat(32), seq: 99, iv: "A".repeat(16), ct: "A".repeat(32) }));
      await new Promise((r) => setTimeout(r, 100));
      return { got: window.got, channelGot: window.channelGot };
    })()`);
    assert.deepEqual(outcome, { got: [{ n: 1 }], channelGot: [] });
    // The real channel of events still works after all that.
    await app.emit("secret", { n: 2 });
    assert.deepEqual(await waitFor(app, `window.got.length === 2 && window.got`), [{ n: 1 }, { n: 2 }]);
  } finally {
    await app.close();
  }
});

Deno.test("events: listeners of a page are gone after it reloads", async () => {
  const app = await launch({ config: await makeApp(), label: "events-reload" });
  try {
    await app.evaluate(`window.airlock.listen("x", () => {})`);
    await app.reload();
    await app.evaluate(
      `(async () => { window.got = []; await window.airlock.listen("y", (e) => window.got.push(e.payload)); })()`,
    );
    await app.emit("x", 1); // nobody listens for x any more: nothing is sealed or sent
    await app.emit("y", 2);
    assert.deepEqual(await waitFor(app, `window.got.length === 1 && window.got`), [2]);
  } finally {
    await app.close();
  }
});

/** Polls a page expression until it is truthy (events arrive asynchronously); fails after 5 s. */
async function waitFor(
  app: { evaluate(js: string): Promise<unknown> },
  expression: string,
): Promise<unknown> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const value = await app.evaluate(expression);
    if (value) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for: ${expression}`);
}

Deno.test("events: a channel streaming across re-keys loses nothing and repeats nothing", async () => {
  let stream: Promise<void> | null = null;
  const app = await launch({
    config: await makeApp(),
    label: "events-rekey",
    commands: {
      stream: ({ to, count }: { to: string; count: number }, context) => {
        const channel = context.channel(to);
        // Streams on after answering, while the test re-keys the isolation frame underneath.
        stream = (async () => {
          for (let i = 0; i < count; i++) {
            await channel.send(i);
            if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
          }
        })();
        return null;
      },
    },
    audit: () => {},
  });
  try {
    await app.evaluate(`(async () => {
      window.received = [];
      const id = window.__TAURI_INTERNALS__.transformCallback((m) => window.received.push(m.message));
      await window.airlock.invoke("stream", { to: "__CHANNEL__:" + id, count: 1000 });
    })()`);
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await app.rebuildIsolation();
    }
    await stream;
    const received = await waitFor(app, `window.received.length >= 1000 && window.received`) as number[];
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await app.evaluate(`window.received.length`), 1000);
    assert.deepEqual(received, Array.from({ length: 1000 }, (_, i) => i));
  } finally {
    await app.close();
  }
});

Deno.test("events: the brownfield pattern listens, emits and unlistens like the isolated one", async () => {
  const app = await launch({ config: await makeApp({ hook: null }), label: "events-plain" });
  try {
    const heard: EventMessage[] = [];
    app.listen("greeting", (message) => void heard.push(message));
    await app.evaluate(`window.__TAURI__.event.emit("greeting", { text: "plain" })`);
    assert.deepEqual(heard, [{ event: "greeting", payload: { text: "plain" }, window: "events-plain" }]);
    await app.evaluate(
      `window.__TAURI__.event.listen("news", (e) => { (window.news ??= []).push(e.payload); })
      .then((stop) => { window.stopNews = stop; })`,
    );
    await app.emit("news", { n: 1 });
    await app.evaluate(`window.stopNews()`);
    await app.emit("news", { n: 2 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(await app.evaluate(`window.news`), [{ n: 1 }]);
  } finally {
    await app.close();
  }
});
