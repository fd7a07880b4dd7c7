// @tauri-apps/api's window, webviewWindow, dpi and app modules, bundled from the real npm package and run
// through isolation: each call checked against what GTK reports for the native window.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type Commands, launch } from "../../mod.ts";
import { makeApp } from "../fixture.ts";
import { bundleWithTauriApi } from "./tauri_compat.ts";

const FRONTEND = `
import { availableMonitors, currentMonitor, getCurrentWindow } from "@tauri-apps/api/window";
import { getAllWebviewWindows, getCurrentWebviewWindow } from "@tauri-apps/api/webviewWindow";
import { LogicalSize, PhysicalPosition } from "@tauri-apps/api/dpi";
import { getName, getVersion, getIdentifier } from "@tauri-apps/api/app";
window.tauriWindow = { availableMonitors, currentMonitor, getCurrentWindow, getAllWebviewWindows, getCurrentWebviewWindow, LogicalSize,
  PhysicalPosition, getName, getVersion, getIdentifier };
`;

/** An app whose page is FRONTEND bundled from the real @tauri-apps/api, with these commands. */
async function tauriApp(commands: Commands = {}) {
  const bundle = await bundleWithTauriApi(FRONTEND);
  return await launch({
    config: await makeApp({
      frontend: {
        "index.html": `<!doctype html><title>t</title><script src="app.js"></script>`,
        "app.js": bundle,
      },
    }),
    commands,
  });
}

Deno.test("tauri window API: title, size, position, visibility, monitors and app info through isolation", async () => {
  const app = await tauriApp();
  try {
    const seen = await app.evaluate(`(async () => {
      const { availableMonitors, currentMonitor, getCurrentWindow, getAllWebviewWindows, getCurrentWebviewWindow, LogicalSize, PhysicalPosition,
        getName, getVersion, getIdentifier } = window.tauriWindow;
      const win = getCurrentWindow();
      await win.setTitle("Set through @tauri-apps/api");
      await win.setSize(new LogicalSize(520, 410));
      await new Promise((r) => setTimeout(r, 200));
      const size = await win.innerSize();
      await win.setPosition(new PhysicalPosition(30, 40));
      // Each answer comes once the change is made: the next call sees it (many times over, since an
      // answer in place and the next call can share one turn of GTK's loop).
      let hidden = false, shown = true;
      for (let i = 0; i < 40; i++) {
        await win.hide();
        hidden ||= await win.isVisible();
        await win.show();
        shown &&= await win.isVisible();
      }
      const monitor = await currentMonitor();
      const monitors = await availableMonitors();
      return {
        label: win.label,
        title: await win.title(),
        size: { width: size.width, height: size.height },
        hidden, shown,
        scale: await win.scaleFactor(),
        maximized: await win.isMaximized(),
        resizable: await win.isResizable(),
        monitorWidth: monitor ? monitor.size.width > 0 : "no monitor",
        monitors: monitors.length,
        all: (await getAllWebviewWindows()).map((w) => w.label),
        current: getCurrentWebviewWindow().label,
        app: [await getName(), await getVersion(), await getIdentifier()],
        other: await window.__TAURI__.core.invoke("plugin:window|title", { label: "elsewhere" })
          .then(() => "allowed", (e) => String(e.message || e)),
      };
    })()`) as Record<string, unknown>;
    assert.deepEqual(seen, {
      label: "main",
      title: "Set through @tauri-apps/api",
      size: { width: 520, height: 410 },
      hidden: false,
      shown: true,
      scale: 1,
      maximized: false,
      resizable: true,
      monitorWidth: true,
      monitors: 1,
      all: ["main"],
      current: "main",
      app: ["Airlock app", "0.0.0", "dev.airlock.app"],
      other: `window "elsewhere" is not this page's window`,
    });
    // What GTK itself reports.
    assert.equal(app.title, "Set through @tauri-apps/api");
    const native = (app.window("main") as unknown as { native: { innerSize: unknown } }).native;
    assert.deepEqual(native.innerSize, { width: 520, height: 410 });
  } finally {
    await app.close();
  }
});

Deno.test("tauri window API: onCloseRequested can keep the window open; without preventDefault it closes", async () => {
  const app = await tauriApp();
  let closed = false;
  app.closed.then(() => closed = true);
  try {
    await app.evaluate(`(async () => {
      window.asked = 0;
      window.keepOpen = true;
      await window.tauriWindow.getCurrentWindow().onCloseRequested((event) => {
        window.asked++;
        if (window.keepOpen) event.preventDefault();
      });
      await window.tauriWindow.getCurrentWindow().close();
    })()`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await app.evaluate(`window.asked`), 1);
    assert.equal(closed, false);
    await app.evaluate(`window.keepOpen = false; window.tauriWindow.getCurrentWindow().close(); null`);
    await Promise.race([app.closed, new Promise((r) => setTimeout(r, 3000))]);
    assert.equal(closed, true);
  } finally {
    if (!closed) await app.close();
  }
});

const PATH_AND_WINDOWS = `
import { appDataDir, appLogDir, homeDir, join, basename, extname, dirname, sep, BaseDirectory, resolve }
  from "@tauri-apps/api/path";
import { WebviewWindow, getAllWebviewWindows } from "@tauri-apps/api/webviewWindow";
window.tauriPath = { appDataDir, appLogDir, homeDir, join, basename, extname, dirname, sep, BaseDirectory, resolve };
window.tauriWebview = { WebviewWindow, getAllWebviewWindows };
`;

async function pathApp(airlock: Record<string, unknown> = {}) {
  const bundle = await bundleWithTauriApi(PATH_AND_WINDOWS);
  const config = await makeApp({
    frontend: {
      "index.html": `<!doctype html><title>t</title><script src="app.js"></script>`,
      "app.js": bundle,
      "second.html": `<!doctype html><title>second page</title>`,
    },
    airlock,
  });
  const text = JSON.parse(await Deno.readTextFile(config));
  text.tauri.bundle = { identifier: "dev.airlock.paths" };
  await Deno.writeTextFile(config, JSON.stringify(text));
  return await launch({ config });
}

Deno.test("tauri path API: base directories under the app's identifier, and Tauri's path helpers", async () => {
  const app = await pathApp();
  try {
    const seen = await app.evaluate(`(async () => {
      const p = window.tauriPath;
      return {
        appData: await p.appDataDir(),
        appLog: await p.appLogDir(),
        home: await p.homeDir(),
        joined: await p.join("a", "b", "../c.txt"),
        base: await p.basename("/x/y/app.conf", ".conf"),
        ext: await p.extname("/x/y/app.conf"),
        dir: await p.dirname("/x/y/app.conf"),
        sep: p.sep(),
        noExt: await p.extname("/x/y/noext").then(() => "resolved", (e) => String(e.message || e)),
      };
    })()`);
    const home = Deno.env.get("HOME")!;
    const data = Deno.env.get("XDG_DATA_HOME") || `${home}/.local/share`;
    assert.deepEqual(seen, {
      appData: `${data}/dev.airlock.paths`,
      appLog: `${data}/dev.airlock.paths/logs`,
      home,
      joined: "a/c.txt",
      base: "app",
      ext: "conf",
      dir: "/x/y",
      sep: "/",
      noExt: "Path does not have an extension",
    });
  } finally {
    await app.close();
  }
});

Deno.test("tauri webview API: new WebviewWindow opens a real window when the app allows it, tauri://error when not", async () => {
  const refused = await pathApp();
  try {
    const error = await refused.evaluate(`new Promise((resolve) => {
      const w = new window.tauriWebview.WebviewWindow("second", { url: "second.html" });
      w.once("tauri://created", () => resolve("created"));
      w.once("tauri://error", (e) => resolve(String(e.payload)));
    })`);
    assert.match(
      error as string,
      /creating windows from the page is not allowed: set airlock\.allowPageWindows/,
    );
    assert.deepEqual(refused.windows().map((w) => w.label), ["main"]);
  } finally {
    await refused.close();
  }
  const app = await pathApp({ allowPageWindows: true });
  try {
    const outcome = await app.evaluate(`new Promise((resolve) => {
      const w = new window.tauriWebview.WebviewWindow("second", { url: "second.html", title: "From the page", width: 300, height: 200 });
      w.once("tauri://created", async () => resolve({
        all: (await window.tauriWebview.getAllWebviewWindows()).map((x) => x.label),
      }));
      w.once("tauri://error", (e) => resolve(String(e.payload)));
    })`);
    assert.deepEqual(outcome, { all: ["main", "second"] });
    const second = app.window("second")!;
    assert.equal(second.title, "From the page");
    assert.equal(await second.evaluate(`document.title`), "second page");
    // Its own isolation session: the hook sees its label.
    assert.equal(await second.evaluate(`window.__TAURI_INTERNALS__.metadata.currentWindow.label`), "second");
    await second.close();
  } finally {
    await app.close();
  }
});

Deno.test("tauri window API: onResized and onMoved get Tauri's payloads when the window changes", async () => {
  const app = await tauriApp();
  try {
    const seen = await app.evaluate(`(async () => {
      const { getCurrentWindow, LogicalSize, PhysicalPosition } = window.tauriWindow;
      const win = getCurrentWindow();
      const sizes = [], moves = [];
      await win.onResized(({ payload }) => sizes.push([payload.width, payload.height]));
      await win.onMoved(({ payload }) => moves.push([payload.x, payload.y]));
      await win.setSize(new LogicalSize(333, 222));
      await win.setPosition(new PhysicalPosition(44, 55));
      for (let i = 0; i < 40 && (sizes.length === 0 || moves.length === 0); i++) await new Promise((r) => setTimeout(r, 50));
      return { size: sizes.at(-1), move: moves.at(-1) };
    })()`);
    assert.deepEqual(seen, { size: [333, 222], move: [44, 55] });
  } finally {
    await app.close();
  }
});

Deno.test("tauri window API: setTheme turns GTK's dark preference, every window hears theme-changed; errors are strings", async () => {
  const app = await tauriApp({
    fail: () => {
      throw new Error("disk on fire");
    },
  });
  try {
    const seen = await app.evaluate(`(async () => {
      const win = window.tauriWindow.getCurrentWindow();
      const changes = [];
      await win.onThemeChanged(({ payload }) => changes.push(payload));
      const before = await win.theme();
      await win.setTheme("dark");
      const dark = await win.theme();
      await win.setTheme(null);
      for (let i = 0; i < 20 && changes.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      // As Tauri: a command's error rejects with its message, a string.
      const error = await window.__TAURI__.core.invoke("fail").catch((e) => e);
      return { before, dark, after: await win.theme(), changes, error, type: typeof error };
    })()`);
    assert.deepEqual(seen, {
      before: "light",
      dark: "dark",
      after: "light",
      changes: ["dark", "light"],
      error: "disk on fire",
      type: "string",
    });
  } finally {
    await app.close();
  }
});

Deno.test("tauri webview API: one window listens for another's events by its label; tauri://destroyed when it goes", async () => {
  const app = await pathApp({ allowPageWindows: true });
  try {
    await app.evaluate(`(async () => {
      const { WebviewWindow } = window.tauriWebview;
      await new Promise((resolve, reject) => {
        const w = new WebviewWindow("second", { url: "second.html", title: "Second" });
        w.once("tauri://created", resolve);
        w.once("tauri://error", (e) => reject(new Error(String(e.payload))));
      });
      const second = await WebviewWindow.getByLabel("second");
      window.heard = { resized: [], destroyed: 0, ownResized: 0 };
      await second.listen("tauri://resize", (e) => window.heard.resized.push(e.payload.width));
      await second.once("tauri://destroyed", () => window.heard.destroyed++);
      await window.__TAURI__.event.listen("tauri://resize", () => window.heard.ownResized++);
    })()`);
    const second = app.window("second")!;
    await second.evaluate(
      `window.__TAURI__.core.invoke("plugin:window|set_size", { value: { Physical: { width: 345, height: 234 } } })`,
    );
    // GTK reports the new size when the window manager (here: the X server) has applied it.
    for (let i = 0; i < 40 && !(await app.evaluate(`window.heard.resized.includes(345)`)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await second.close();
    await new Promise((r) => setTimeout(r, 300));
    const heard = await app.evaluate(`window.heard`) as {
      resized: number[];
      destroyed: number;
      ownResized: number;
    };
    assert.equal(heard.resized.at(-1), 345);
    assert.equal(heard.destroyed, 1);
    assert.equal(heard.ownResized, 0); // the first window's own listener hears its own window only
  } finally {
    await app.close();
  }
});

Deno.test("tauri window API: enabled, focusable, user attention and size constraints reach GTK", async () => {
  const app = await tauriApp();
  try {
    await app.evaluate(`(async () => {
      const win = window.tauriWindow.getCurrentWindow();
      await win.setFocusable(false);
      await win.requestUserAttention(1); // UserAttentionType.Critical
      await win.setSkipTaskbar(true);
      await win.setSizeConstraints({ minWidth: 450, minHeight: 350 });
      await win.setSize(new window.tauriWindow.LogicalSize(100, 100));
      await win.setClosable(false);
      await win.setBackgroundColor([10, 20, 30, 255]);
      await win.setAlwaysOnBottom(true);
      await win.setVisibleOnAllWorkspaces(true);
    })()`);
    await new Promise((r) => setTimeout(r, 300));
    const native = (app.window("main") as unknown as {
      native: {
        focusable: boolean;
        urgent: boolean;
        enabled: boolean;
        innerSize: { width: number; height: number };
      };
    }).native;
    assert.equal(native.focusable, false);
    assert.equal(await app.evaluate(`window.tauriWindow.getCurrentWindow().isClosable()`), false);
    assert.equal(native.urgent, true);
    assert.ok(
      native.innerSize.width >= 450 && native.innerSize.height >= 350,
      JSON.stringify(native.innerSize),
    );
    assert.equal(await app.evaluate(`window.tauriWindow.getCurrentWindow().isEnabled()`), true);
  } finally {
    await app.close();
  }
});

Deno.test("tauri window API: calls still on their way when the page destroys its window get an error, never freed GTK memory", async () => {
  const child = fileURLToPath(new URL("./destroy_child.ts", import.meta.url));
  const config = await makeApp({});
  // Freed memory poisoned, and GLib's slices through malloc, so a use after free shows (it crashed the
  // process in about half the runs before NativeWindow refused a destroyed window).
  for (let run = 0; run < 4; run++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", child, config],
      env: { G_SLICE: "always-malloc", MALLOC_PERTURB_: "165" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `run ${run}: exit ${out.code} (signal ${out.signal})\n${stderr}`);
    assert.doesNotMatch(stderr, /CRITICAL/, `run ${run}`);
    assert.match(new TextDecoder().decode(out.stdout), /closed/);
  }
});
