// Capabilities enforced by the core in real windows: what one window is granted another is refused, with
// an isolation hook that checks nothing, and a Tauri v2 app's capability files work as written.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { type AuditEntry, launch } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";

const INVOKE = "window.__TAURI__.core.invoke";
const PASS_THROUGH = `window.__TAURI_ISOLATION_HOOK__ = (payload) => payload;`;

/** An app with windows "main" and "second", the given capability files and app permission files. */
async function appWith(files: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const config = await makeApp({ hook: PASS_THROUGH, ...extra });
  const dir = dirname(config);
  const raw = JSON.parse(await Deno.readTextFile(config));
  raw.app = { windows: [{ label: "main" }, { label: "second", width: 320, height: 240 }] };
  await Deno.writeTextFile(config, JSON.stringify(raw));
  for (const [name, content] of Object.entries(files)) {
    await Deno.mkdir(join(dir, dirname(name)), { recursive: true });
    await Deno.writeTextFile(
      join(dir, name),
      typeof content === "string" ? content : JSON.stringify(content),
    );
  }
  const audit: AuditEntry[] = [];
  const app = await launch({
    config,
    commands: { greet: (args: { name: string }) => `hello ${args.name}`, wipe: () => "wiped" },
    audit: (entry) => audit.push(entry),
  });
  return { app, audit, dir };
}

async function closeAll(app: Awaited<ReturnType<typeof launch>>) {
  for (const window of app.windows()) await window.close();
}

Deno.test("capabilities: a permission granted to window main only is refused by the core in window second", async () => {
  const { app, audit } = await appWith({
    "capabilities/main.json": {
      identifier: "main-capability",
      windows: ["main"],
      permissions: ["core:default", "core:window:allow-set-title"],
    },
    "capabilities/second.json": {
      identifier: "second-capability",
      windows: ["second"],
      permissions: ["core:event:default"],
    },
  });
  try {
    const second = app.window("second")!;
    assert.deepEqual(
      await app.evaluate(settle(`${INVOKE}("plugin:window|set_title", { value: "granted" })`)),
      {
        ok: true,
        value: null,
      },
    );
    assert.equal(app.title, "granted");
    const refused = await second.evaluate(settle(`${INVOKE}("plugin:window|set_title", { value: "nope" })`));
    assert.deepEqual(refused, {
      ok: false,
      error: 'plugin:window|set_title not allowed for window "second": none of its capabilities ' +
        "(second-capability) grants it; permissions that would: core:window:allow-set-title",
    });
    assert.equal(second.title, "Airlock app");
    // The refusal is on the audit line, with the command, never the arguments.
    assert.deepEqual(audit.at(-1), {
      window: "second",
      reason: (refused as { error: string }).error,
      cmd: "plugin:window|set_title",
    });
    // core:default's window getters are main's, not second's.
    assert.equal(
      (await second.evaluate(settle(`${INVOKE}("plugin:app|name")`)) as { ok: boolean }).ok,
      false,
    );
    assert.deepEqual(await app.evaluate(settle(`${INVOKE}("plugin:app|name")`)), {
      ok: true,
      value: "Airlock app",
    });
    // Events are granted to both.
    assert.equal(
      typeof await second.evaluate(`window.__TAURI__.event.listen("x", () => {}).then(() => 1)`),
      "number",
    );
    // App commands that no app permission names run in every window.
    assert.equal(await second.evaluate(`${INVOKE}("greet", { name: "Ada" })`), "hello Ada");
  } finally {
    await closeAll(app);
  }
});

Deno.test("capabilities: a Tauri v2 app's capabilities/default.json and permissions/*.toml work unchanged", async () => {
  const { app } = await appWith({
    // The shape `tauri init` / create-tauri-app writes, with the app's own permission for one command.
    "capabilities/default.json": `{
  "$schema": "../gen/schemas/desktop-schema.json",
  "identifier": "default",
  "description": "Capability for the main window",
  "windows": ["main"],
  "permissions": [
    "core:default",
    "allow-wipe"
  ]
}`,
    "permissions/wipe.toml": `[[permission]]
identifier = "allow-wipe"
description = "Enables the wipe command."
commands.allow = ["wipe"]
`,
  });
  try {
    const second = app.window("second")!;
    assert.equal(await app.evaluate(`${INVOKE}("wipe")`), "wiped");
    assert.match(
      (await second.evaluate(settle(`${INVOKE}("wipe")`)) as { error: string }).error,
      /^wipe not allowed for window "second": no capability applies to this window; permissions that would: allow-wipe/,
    );
    assert.equal(await second.evaluate(`${INVOKE}("greet", { name: "Bo" })`), "hello Bo");
    assert.equal(await app.evaluate(`${INVOKE}("plugin:window|title", { label: "main" })`), "Airlock app");
    // Setters are not in core:default: a Tauri app without the permission gets Tauri's refusal.
    assert.match(
      (await app.evaluate(settle(`${INVOKE}("plugin:window|set_title", { label: "main", value: "x" })`)) as {
        error: string;
      }).error,
      /set_title not allowed for window "main"/,
    );
  } finally {
    await closeAll(app);
  }
});

Deno.test("capabilities: a window a page opens has its opener's capabilities, never more — whatever label it picks", async () => {
  const { app } = await appWith({
    "capabilities/all.json": {
      identifier: "all",
      windows: ["*"],
      permissions: ["core:default", "core:webview:allow-create-webview-window"],
    },
    "capabilities/tools.json": {
      identifier: "tools",
      windows: ["tool-*"],
      permissions: ["core:window:allow-set-title"],
    },
  }, { airlock: { allowPageWindows: true } });
  try {
    await app.evaluate(
      `${INVOKE}("plugin:webview|create_webview_window", { options: { label: "tool-1", url: "index.html" } })`,
    );
    for (let i = 0; i < 100 && !app.window("tool-1"); i++) await new Promise((r) => setTimeout(r, 50));
    const tool = app.window("tool-1")!;
    assert.ok(tool, "the page's window opened");
    const refused = await tool.evaluate(settle(`${INVOKE}("plugin:window|set_title", { value: "tool" })`));
    assert.deepEqual(refused, {
      ok: false,
      error: 'plugin:window|set_title not allowed for window "tool-1" (opened by a page of "main", whose ' +
        "capabilities it has): none of its capabilities (all) grants it; permissions that would: " +
        "core:window:allow-set-title",
    });
    // What the opener may do, the opened window may do.
    assert.deepEqual(await tool.evaluate(settle(`${INVOKE}("plugin:app|name")`)), {
      ok: true,
      value: "Airlock app",
    });
    // A window the app itself opens (from Deno) gets what its label is granted.
    const own = await app.openWindow({ label: "tool-2" });
    assert.deepEqual(await own.evaluate(settle(`${INVOKE}("plugin:window|set_title", { value: "tool" })`)), {
      ok: true,
      value: null,
    });
  } finally {
    await closeAll(app);
  }
});

Deno.test("capabilities: a capability naming an unknown permission stops the app at start, naming the file", async () => {
  const config = await makeApp({ hook: PASS_THROUGH });
  await Deno.mkdir(join(dirname(config), "capabilities"));
  const file = join(dirname(config), "capabilities", "bad.json");
  await Deno.writeTextFile(
    file,
    JSON.stringify({ identifier: "bad", windows: ["main"], permissions: ["core:window:allow-fly"] }),
  );
  await assert.rejects(
    () => launch({ config }),
    (error: Error) =>
      error.message ===
        `${file}: capability "bad": permissions[0]: "core:window:allow-fly" is not a permission of the core:window plugin`,
  );
});
