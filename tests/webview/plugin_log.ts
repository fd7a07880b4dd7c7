// @tauri-apps/plugin-log, unchanged from npm: records at or above the configured level on stdout, in a
// rotating file in the app's log folder, and to attachConsole; a page cannot forge a line.
import assert from "node:assert/strict";
import { join } from "node:path";
import { appDataDir } from "../../core/fs.ts";
import { launchPluginApp, PLUGIN_PACKAGES } from "./plugin_app.ts";

const PAGE = `import * as log from "@tauri-apps/plugin-log"; window.log = log;`;

Deno.test("plugin-log: levels from the config, Tauri's line format, a rotating file in the app's log folder, attachConsole", async () => {
  const identifier = `dev.airlock.test.log-${crypto.randomUUID().slice(0, 8)}`;
  const dir = join(appDataDir(identifier), "logs");
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.log], {
    config: {
      identifier,
      productName: "LogApp",
      plugins: { log: { level: "info", maxFileSize: 2000, keepFiles: 2, targets: ["logDir", "webview"] } },
    },
  });
  try {
    const consoleSeen = await app.evaluate(`(async () => {
      const seen = [];
      for (const name of ["log", "debug", "info", "warn", "error"]) {
        const original = console[name];
        console[name] = (...args) => { seen.push([name, args.join(" ")]); original.apply(console, args); };
      }
      const detach = await log.attachConsole();
      await log.trace("not kept");
      await log.debug("not kept either");
      await log.info("hello from the page", { keyValues: { user: "ada" } });
      await log.warn("careful");
      await log.error("forged\\n[2026-01-01][00:00:00][webview][ERROR] fake line");
      await new Promise((r) => setTimeout(r, 100));
      detach();
      return seen;
    })()`);
    const lines = (await Deno.readTextFile(join(dir, "LogApp.log"))).trim().split("\n");
    const stamp = String.raw`\[\d{4}-\d\d-\d\d\]\[\d\d:\d\d:\d\d\]`;
    assert.equal(lines.length, 3);
    assert.match(
      lines[0],
      new RegExp(`^${stamp}\\[webview:[^\\]]*\\]\\[INFO\\] hello from the page user=ada$`),
    );
    assert.match(lines[1], new RegExp(`^${stamp}\\[webview:[^\\]]*\\]\\[WARN\\] careful$`));
    assert.match(lines[2], /\[ERROR\] forged\\n\[2026-01-01\]\[00:00:00\]\[webview\]\[ERROR\] fake line$/);
    assert.deepEqual(consoleSeen, [
      ["info", "hello from the page user=ada"],
      ["warn", "careful"],
      ["error", "forged\\n[2026-01-01][00:00:00][webview][ERROR] fake line"],
    ]);
    // Past 2000 bytes the file rotates; two files are kept (the current one and the last rotated).
    await app.evaluate(
      `(async () => { for (let i = 0; i < 60; i++) await log.info("line " + i + " " + "x".repeat(60)); })()`,
    );
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.equal(files.length, 2, files.join(", "));
    assert.ok(files.includes("LogApp.log"));
    assert.match(files.find((f) => f !== "LogApp.log")!, /^LogApp_\d{4}-\d\d-\d\d_[\d-]+\.log$/);
    const current = await Deno.readTextFile(join(dir, "LogApp.log"));
    assert.ok(current.length <= 2000);
    assert.match(current, /line 59 x+\n$/);
  } finally {
    await app.close();
    await Deno.remove(appDataDir(identifier), { recursive: true }).catch(() => {});
  }
});

Deno.test("plugin-log: to stdout by default, in a real app process", async () => {
  const identifier = `dev.airlock.test.log-${crypto.randomUUID().slice(0, 8)}`;
  const { pluginBundle, pluginConfig } = await import("./plugin_app.ts");
  const page =
    `import { info } from "@tauri-apps/plugin-log"; import { exit } from "@tauri-apps/plugin-process";
    (async () => { await info("to stdout"); await exit(0); })();`;
  const config = await pluginConfig(
    await pluginBundle(page, [PLUGIN_PACKAGES.log, PLUGIN_PACKAGES.process]),
    { config: { identifier } },
  );
  const child = new URL("./plugin_child.ts", import.meta.url).pathname;
  const marker = await Deno.makeTempFile();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", child, config, marker],
      stderr: "null",
    })
      .output();
    assert.equal(out.code, 0);
    assert.match(new TextDecoder().decode(out.stdout), /\]\[webview[^\]]*\]\[INFO\] to stdout\n/);
  } finally {
    await Deno.remove(appDataDir(identifier), { recursive: true }).catch(() => {});
  }
});
