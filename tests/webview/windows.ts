// One app, several windows: the config's windows open at start, more open from Deno, each with its own
// isolation sessions and keys, and events reach exactly the windows they are for.
import assert from "node:assert/strict";
import { type CommandContext, launch } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";

const INVOKE = "window.__TAURI__.core.invoke";

async function twoWindowApp() {
  const config = await makeApp({
    hook:
      `window.__TAURI_ISOLATION_HOOK__ = (m, { window }) => ({ ...m, payload: { ...m.payload, via: window } });`,
    frontend: { "second.html": `<!doctype html><title>second</title><p>second window</p>` },
  });
  const text = JSON.parse(await Deno.readTextFile(config));
  text.tauri.windows = [
    { title: "First window", width: 640, height: 480 },
    { label: "second", title: "Second window", url: "second.html", width: 320, height: 240 },
  ];
  await Deno.writeTextFile(config, JSON.stringify(text));
  const sealed = new Map<string, string[]>();
  const seen: { window: string; args: unknown }[] = [];
  const app = await launch({
    config,
    commands: {
      echo: (args: unknown, context: CommandContext) => (seen.push({ window: context.window, args }), args),
    },
    audit: () => {},
    tap: (wire) =>
      void (wire.startsWith("s") && sealed.set("last", [...sealed.get("last") ?? [], wire.slice(1)])),
  });
  return { app, seen, sealed };
}

Deno.test("windows: the config's windows open at start, each its own label, title and page", async () => {
  const { app, seen } = await twoWindowApp();
  try {
    assert.deepEqual(app.windows().map((w) => w.label), ["main", "second"]);
    const second = app.window("second")!;
    assert.equal(app.title, "First window");
    assert.equal(second.title, "Second window");
    assert.equal(await second.evaluate(`document.title`), "second");
    // The hook sees each window's label, and so does the command.
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { n: 1 })`), { n: 1, via: "main" });
    assert.deepEqual(await second.evaluate(`${INVOKE}("echo", { n: 2 })`), { n: 2, via: "second" });
    assert.deepEqual(seen.map((s) => s.window), ["main", "second"]);
    assert.equal(await second.evaluate(`window.__TAURI_INTERNALS__.metadata.currentWindow.label`), "second");
  } finally {
    for (const window of app.windows()) await window.close();
  }
});

Deno.test("windows: each has its own keys — a message sealed for one is refused by another", async () => {
  const { app, sealed } = await twoWindowApp();
  try {
    await app.evaluate(`${INVOKE}("echo", { secret: 1 })`);
    const [envelope] = sealed.get("last")!.slice(-1);
    const second = app.window("second")!;
    await second.evaluate(`${INVOKE}("echo", { up: true })`); // its own session is up
    const answer = JSON.parse(
      await second.evaluate(
        `window.webkit.messageHandlers.airlockCore.postMessage(${JSON.stringify("s" + envelope)})`,
        { world: "airlock" },
      ) as string,
    );
    assert.equal(answer.ok, false);
    assert.match(answer.error, /rejected by the core: .*(another session|failed authentication)/);
  } finally {
    for (const window of app.windows()) await window.close();
  }
});

Deno.test("windows: emitTo reaches only its target; emit reaches every window; the core can do both", async () => {
  const { app } = await twoWindowApp();
  const second = app.window("second")!;
  try {
    for (const window of [app, second]) {
      await window.evaluate(`(async () => {
        window.got = [];
        await window.__TAURI__.event.listen("note", (e) => window.got.push(e.payload));
      })()`);
    }
    // From the first window's page, to the second window only, then to everyone.
    await app.evaluate(
      `${INVOKE}("plugin:event|emit_to", { target: { kind: "WebviewWindow", label: "second" }, event: "note", payload: "to second" })`,
    );
    await app.evaluate(`window.__TAURI__.event.emit("note", "to all")`);
    // From Deno.
    await app.emitTo("main", "note", "core to main");
    await app.emitTo(null, "note", "core to all");
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await app.evaluate(`window.got`), ["to all", "core to main", "core to all"]);
    assert.deepEqual(await second.evaluate(`window.got`), ["to second", "to all", "core to all"]);
  } finally {
    for (const window of app.windows()) await window.close();
  }
});

Deno.test("windows: a window opened from Deno runs through isolation with its own label; labels are unique", async () => {
  const { app, seen } = await twoWindowApp();
  try {
    const third = await app.openWindow({ label: "third", title: "Third" });
    assert.equal(third.title, "Third");
    assert.deepEqual(await third.evaluate(`${INVOKE}("echo", { n: 3 })`), { n: 3, via: "third" });
    assert.equal(seen.at(-1)?.window, "third");
    await assert.rejects(app.openWindow({ label: "third" }), /a window labelled "third" is open already/);
    await third.close();
    assert.deepEqual(app.windows().map((w) => w.label), ["main", "second"]);
  } finally {
    for (const window of app.windows()) await window.close();
  }
});

Deno.test("windows: web storage is the app's own — another identifier cannot read it, the same one can", async () => {
  const appWith = async (identifier: string) => {
    const config = await makeApp();
    const text = JSON.parse(await Deno.readTextFile(config));
    text.tauri.bundle = { identifier };
    await Deno.writeTextFile(config, JSON.stringify(text));
    return await launch({ config });
  };
  const stamp = crypto.randomUUID();
  const first = await appWith("dev.airlock.test-storage-a");
  try {
    await first.evaluate(`localStorage.setItem("secret", ${JSON.stringify(stamp)})`);
    assert.equal(await first.evaluate(`localStorage.getItem("secret")`), stamp);
  } finally {
    await first.close();
  }
  const other = await appWith("dev.airlock.test-storage-b");
  try {
    assert.notEqual(await other.evaluate(`localStorage.getItem("secret")`), stamp);
  } finally {
    await other.close();
  }
  const again = await appWith("dev.airlock.test-storage-a");
  try {
    assert.equal(await again.evaluate(`localStorage.getItem("secret")`), stamp);
  } finally {
    await again.close();
  }
});

Deno.test("windows: Tauri's window options from the config reach the native window", async () => {
  const config = await makeApp();
  const text = JSON.parse(await Deno.readTextFile(config));
  text.tauri.windows = [{
    title: "Options",
    width: 500,
    height: 300,
    minWidth: 400,
    minHeight: 250,
    x: 20,
    y: 30,
    resizable: false,
    decorations: false,
    alwaysOnTop: true,
  }, { label: "hidden", visible: false }];
  await Deno.writeTextFile(config, JSON.stringify(text));
  const app = await launch({ config });
  try {
    const read = (window: unknown) => {
      const n = (window as { native: Record<string, unknown> }).native;
      return {
        size: n.innerSize,
        resizable: n.resizable,
        decorated: n.decorated,
        top: n.alwaysOnTop,
        visible: n.visible,
      };
    };
    assert.deepEqual(read(app.window("main")), {
      size: { width: 500, height: 300 },
      resizable: false,
      decorated: false,
      top: true,
      visible: true,
    });
    assert.equal(read(app.window("hidden")).visible, false);
    // Below the minimum, GTK keeps the minimum.
    await app.evaluate(
      `window.__TAURI__.core.invoke("plugin:window|set_size", { value: { Physical: { width: 100, height: 100 } } })`,
    );
    await new Promise((r) => setTimeout(r, 200));
    const size = read(app.window("main")).size as { width: number; height: number };
    assert.ok(size.width >= 400 && size.height >= 250, JSON.stringify(size));
  } finally {
    for (const window of app.windows()) await window.close();
  }
});

Deno.test("windows review: sizes beyond X's limits are refused, a page cannot forge tauri:// events, labels cannot race", async () => {
  const config = await makeApp({ airlock: { allowPageWindows: true } });
  const text = JSON.parse(await Deno.readTextFile(config));
  text.tauri.windows = [{ title: "A" }, { label: "b", title: "B" }];
  await Deno.writeTextFile(config, JSON.stringify(text));
  const app = await launch({ config });
  try {
    const invoke = (cmd: string, args: unknown) =>
      app.evaluate(settle(`${INVOKE}(${JSON.stringify(cmd)}, ${JSON.stringify(args)})`)) as Promise<
        { ok: boolean; error?: string }
      >;
    // These killed the process (GDK lost its X connection) before.
    for (
      const [cmd, value] of [
        ["plugin:window|set_min_size", { Physical: { width: 100000, height: 100000 } }],
        ["plugin:window|set_size", { Physical: { width: 20000, height: 100 } }],
        ["plugin:window|set_size", {
          Physical: { width: 100, height: 100 },
          Logical: { width: 1, height: 1 },
        }],
        ["plugin:window|set_size_constraints", "x"],
        ["plugin:window|set_size_constraints", { minWidth: { Physical: 500 }, maxWidth: { Physical: 400 } }],
      ] as const
    ) {
      const answer = await invoke(cmd, { value });
      assert.equal(answer.ok, false, `${cmd} ${JSON.stringify(value)} was accepted`);
    }
    // A page's tauri:// event would make another window's honest onCloseRequested close it.
    const forged = await invoke("plugin:event|emit_to", {
      target: "b",
      event: "tauri://close-requested",
      payload: null,
    });
    assert.match(forged.error ?? "", /events named tauri:\/\/… are sent by Airlock only/);
    // Nor the built-in plugins' events: another window's onKeyChange must see only the store's own.
    for (const event of ["store://change", "log://log"]) {
      const spoofed = await invoke("plugin:event|emit", { event, payload: { key: "x", value: 1 } });
      assert.match(spoofed.error ?? "", /are sent by Airlock only/, event);
    }
    // 40 concurrent creations, half of one label, more than the cap: neither check can be raced.
    const created = await app.evaluate(`Promise.all(Array.from({ length: 40 }, (_, i) =>
      ${INVOKE}("plugin:webview|create_webview_window", { options: { label: i % 2 ? "dup" : "w" + i, width: 200.5 } })
        .then(() => "ok", (e) => String(e))))`) as string[];
    assert.equal(app.windows().filter((w) => w.label === "dup").length, 1);
    assert.ok(app.windows().length <= 16, `${app.windows().length} windows`);
    assert.ok(created.filter((r) => r === "ok").length <= 14);
    assert.ok(created.some((r) => /a window labelled "dup" is open already/.test(r)));
    assert.ok(created.some((r) => /too many windows/.test(r)));
  } finally {
    for (const window of app.windows()) await window.close();
  }
});

Deno.test("windows review: another window's close-requested listener hears, but cannot keep, a window open", async () => {
  const config = await makeApp();
  const text = JSON.parse(await Deno.readTextFile(config));
  text.tauri.windows = [{ title: "A" }, { label: "b", title: "B" }];
  await Deno.writeTextFile(config, JSON.stringify(text));
  const app = await launch({ config });
  try {
    await app.evaluate(`(async () => {
      window.heard = 0;
      const id = window.__TAURI_INTERNALS__.transformCallback(() => window.heard++);
      await ${INVOKE}("plugin:event|listen", { event: "tauri://close-requested", target: { kind: "Window", label: "b" }, handler: id });
    })()`);
    const b = app.window("b")!;
    let closed = false;
    b.closed.then(() => closed = true);
    // Not awaited: the window (and the evaluation in it) goes away.
    void b.evaluate(`${INVOKE}("plugin:window|close", {}); null`).catch(() => {});
    await Promise.race([b.closed, new Promise((r) => setTimeout(r, 3000))]);
    assert.equal(closed, true, "b stayed open");
  } finally {
    for (const window of app.windows()) await window.close();
  }
});
