// `deno task dev`'s reloads, in the real webview: a frontend change reloads the page, an isolation app
// change rebuilds it with a new session, and a broken build shows an overlay while the old build serves.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { launch } from "../../mod.ts";
import { watchApp } from "../../host/dev.ts";
import { makeApp } from "../fixture.ts";

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("dev: editing the frontend reloads the page; editing the isolation app rebuilds it, new key", async () => {
  const config = await makeApp({
    frontend: { "index.html": `<!doctype html><p id="text">version one</p>` },
    hook: `window.__TAURI_ISOLATION_HOOK__ = (m) => ({ ...m, payload: { ...m.payload, hook: 1 } });`,
  });
  const root = dirname(dirname(config));
  const lines: string[] = [];
  // The session of each sealed message the core receives, to show a rebuild brings a new key.
  const sids: string[] = [];
  const app = await launch({
    config,
    commands: { echo: (args) => args },
    tap: (wire) => void (wire.startsWith("s") && sids.push(JSON.parse(wire.slice(1)).sid)),
  });
  const watcher = watchApp(app, { log: (line) => lines.push(line), debounceMs: 50 });
  const text = () => app.evaluate(`document.getElementById("text")?.textContent ?? null`);
  const hookVersion = () =>
    app.evaluate(
      `window.airlock.invoke("echo", {}).then((v) => v.hook, (e) => "error: " + (e?.message ?? e))`,
    );
  try {
    assert.equal(await text(), "version one");
    assert.equal(await hookVersion(), 1);

    await Deno.writeTextFile(join(root, "dist", "index.html"), `<!doctype html><p id="text">version two</p>`);
    await until(text, (value) => value === "version two", "the page to reload");

    await app.evaluate(`window.state = "kept"`);
    sids.length = 0;
    await hookVersion();
    await Deno.writeTextFile(
      join(root, "dist-isolation", "index.js"),
      `window.__TAURI_ISOLATION_HOOK__ = (m) => ({ ...m, payload: { ...m.payload, hook: 2 } });`,
    );
    await until(hookVersion, (value) => value === 2, "the rebuilt hook");
    assert.equal(await app.evaluate(`window.state`), "kept"); // the page kept its state
    assert.equal(new Set(sids).size, 2); // the key (session) changed

    // A broken build: reported in the terminal and over the page; the last good build keeps serving.
    await Deno.writeTextFile(
      join(root, "dist-isolation", "index.html"),
      `<script src="missing.js"></script>`,
    );
    const overlay = () =>
      app.evaluate(`document.querySelector("[data-airlock-overlay]")?.textContent ?? null`);
    const shown = await until(overlay, (value) => value !== null, "the error overlay") as string;
    assert.match(shown, /Airlock build error[\s\S]*missing\.js/);
    assert.ok(lines.some((line) => /isolation build failed.*missing\.js/.test(line)), lines.join("\n"));
    assert.equal(await hookVersion(), 2);

    // Fixed: the overlay goes, the new build serves.
    await Deno.writeTextFile(join(root, "dist-isolation", "index.html"), `<script src="index.js"></script>`);
    await Deno.writeTextFile(
      join(root, "dist-isolation", "index.js"),
      `window.__TAURI_ISOLATION_HOOK__ = (m) => ({ ...m, payload: { ...m.payload, hook: 3 } });`,
    );
    await until(hookVersion, (value) => value === 3, "the fixed build");
    assert.equal(await overlay(), null);
  } finally {
    watcher.close();
    await app.close();
  }
});
