// Capabilities as the core resolves them: identifiers, sets, defaults, deny over allow, scopes, window
// globs, the app's own permissions, and refusals that name what was missing.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  addAppPermissions,
  type AppPermissions,
  CapabilityError,
  loadCapabilities,
  parseCapabilityFile,
} from "../core/capabilities.ts";
import { appPluginManifests, globMatch, Policy } from "../core/policy.ts";
import { MANIFESTS } from "../core/plugins/manifests.ts";
import type { PluginManifest } from "../core/permissions.ts";

const NO_APP: AppPermissions = { permissions: {}, sets: {}, default: null };
const FS: PluginManifest = {
  name: "fs",
  commands: ["read_text_file", "write_text_file", "mkdir"],
  permissions: {
    "read-files": { allow: ["read_text_file"] },
    "scope-appdata": { scope: { allow: [{ path: "$APPDATA/**" }] } },
    scope: {},
  },
  sets: { "allow-appdata-read": ["read-files", "scope-appdata"] },
  default: ["read-files"],
};

function policy(capabilities: unknown[], app: AppPermissions = NO_APP, warnings: string[] = []): Policy {
  const parsed = capabilities.flatMap((c, i) => parseCapabilityFile(c, `cap${i}.json`));
  return new Policy(parsed, [...MANIFESTS.filter((m) => m.name !== "fs"), FS], app, {
    warn: (message) => warnings.push(message),
  });
}

Deno.test("policy: a window gets what its capabilities grant, and nothing else", () => {
  const p = policy([
    { identifier: "main", windows: ["main"], permissions: ["core:default", "fs:default"] },
    { identifier: "prefs", windows: ["prefs-*"], permissions: ["core:window:allow-set-title"] },
  ]);
  const main = p.forWindow("main");
  assert.equal(main.check("plugin:fs|read_text_file").allowed, true);
  assert.equal(main.check("plugin:window|title").allowed, true); // core:window:default
  assert.equal(main.check("plugin:event|listen").allowed, true); // core:event:default
  const setTitle = main.check("plugin:window|set_title");
  assert.equal(setTitle.allowed, false);
  assert.match(
    (setTitle as { reason: string }).reason,
    /^plugin:window\|set_title not allowed for window "main": none of its capabilities \(main\) grants it; permissions that would: core:window:allow-set-title/,
  );
  const write = main.check("plugin:fs|write_text_file");
  assert.match((write as { reason: string }).reason, /fs:allow-write-text-file/);

  const prefs = p.forWindow("prefs-1");
  assert.equal(prefs.check("plugin:window|set_title").allowed, true);
  assert.equal(prefs.check("plugin:fs|read_text_file").allowed, false);
  const other = p.forWindow("other").check("plugin:app|name");
  assert.match((other as { reason: string }).reason, /no capability applies to this window/);
});

Deno.test("policy: app commands run unless the app's own permissions name them", () => {
  const app: AppPermissions = { permissions: {}, sets: {}, default: null };
  addAppPermissions(app, {
    permission: [{ identifier: "allow-delete-all", commands: { allow: ["delete_all"] } }],
    set: [{ identifier: "admin", permissions: ["allow-delete-all"] }],
  }, "permissions/app.toml");
  const p = policy([
    { identifier: "main", windows: ["main"], permissions: ["admin"] },
    { identifier: "other", windows: ["other"], permissions: [] },
  ], app);
  assert.equal(p.forWindow("other").check("greet").allowed, true); // named by no permission
  assert.equal(p.forWindow("other").check("delete_all").allowed, false);
  assert.equal(p.forWindow("main").check("delete_all").allowed, true);
  // A plugin's command needs a grant, the app's own plugins' too (as in Tauri).
  assert.equal(p.forWindow("other").check("plugin:mine|do").allowed, false);
});

Deno.test("policy: the app's own plugins get manifests from its commands; an unnamed window is refused them", () => {
  const parsed = parseCapabilityFile({
    identifier: "main",
    windows: ["main"],
    permissions: ["vault:allow-export-keys"],
  }, "c.json");
  const p = new Policy(
    parsed,
    [...MANIFESTS, ...appPluginManifests(["plugin:vault|export_keys", "greet"])],
    NO_APP,
    {},
  );
  assert.equal(p.forWindow("main").check("plugin:vault|export_keys").allowed, true);
  assert.match(
    (p.forWindow("second").check("plugin:vault|export_keys") as { reason: string }).reason,
    /^plugin:vault\|export_keys not allowed for window "second": no capability applies to this window; permissions that would: vault:allow-export-keys$/,
  );
  // A line break does not move a command out of its plugin.
  assert.equal(p.forWindow("second").check("plugin:window|set_title\n").allowed, false);
});

Deno.test("policy: a deny anywhere wins over every allow", () => {
  const p = policy([
    { identifier: "a", windows: ["*"], permissions: ["fs:default", "fs:allow-mkdir"] },
    { identifier: "b", windows: ["main"], permissions: ["fs:deny-read-text-file"] },
  ]);
  const refused = p.forWindow("main").check("plugin:fs|read_text_file");
  assert.deepEqual(refused, {
    allowed: false,
    reason: 'plugin:fs|read_text_file is denied for window "main" by fs:deny-read-text-file',
  });
  assert.equal(p.forWindow("second").check("plugin:fs|read_text_file").allowed, true);
});

Deno.test("policy: scopes belong to their permission's commands, or to the whole plugin", () => {
  const p = policy([{
    identifier: "main",
    windows: ["main"],
    permissions: [
      "fs:allow-appdata-read", // a set: read-files plus the plugin-wide scope-appdata
      { identifier: "fs:allow-mkdir", allow: [{ path: "$HOME/made" }] },
      { identifier: "fs:scope", deny: [{ path: "$APPDATA/secret/**" }] },
    ],
  }]);
  const main = p.forWindow("main");
  assert.deepEqual(main.check("plugin:fs|read_text_file"), {
    allowed: true,
    scope: { allow: [{ path: "$APPDATA/**" }], deny: [{ path: "$APPDATA/secret/**" }] },
  });
  assert.deepEqual(main.check("plugin:fs|mkdir"), {
    allowed: true,
    scope: {
      allow: [{ path: "$HOME/made" }, { path: "$APPDATA/**" }],
      deny: [{ path: "$APPDATA/secret/**" }],
    },
  });
});

Deno.test("policy: unknown identifiers fail at start naming their file; unknown plugins are reported", () => {
  assert.throws(
    () => policy([{ identifier: "x", windows: ["main"], permissions: ["fs:allow-teleport"] }]),
    (e: Error) =>
      e instanceof CapabilityError &&
      e.message ===
        'cap0.json: capability "x": permissions[0]: "fs:allow-teleport" is not a permission of the fs plugin',
  );
  assert.throws(
    () => policy([{ identifier: "x", windows: ["main"], permissions: ["allow-nothing"] }]),
    /"allow-nothing" is neither a plugin permission/,
  );
  const warnings: string[] = [];
  const p = policy(
    [{ identifier: "x", windows: ["main"], permissions: ["updater:default"] }],
    NO_APP,
    warnings,
  );
  assert.deepEqual(warnings, [
    'cap0.json: capability "x": permissions[0]: "updater:default" is a permission of a plugin Airlock does not have',
  ]);
  assert.equal(p.forWindow("main").check("plugin:fs|read_text_file").allowed, false);
});

Deno.test("policy: capability files are checked field by field", () => {
  assert.throws(
    () => parseCapabilityFile({ identifier: "x", windows: ["main"], permissions: [], window: [] }, "c.json"),
    /c\.json: "window" is not a capability field/,
  );
  assert.throws(
    () => parseCapabilityFile({ windows: ["main"], permissions: [] }, "c.json"),
    /identifier is required/,
  );
  assert.throws(
    () =>
      parseCapabilityFile({ identifier: "x", permissions: [{ identifier: "fs:scope", alow: [] }] }, "c.json"),
    /permissions\[0\]\.alow is not a field of a permission/,
  );
  // Another platform's capability, or one for remote pages only, grants nothing here.
  const p = policy([
    { identifier: "mac", windows: ["main"], permissions: ["fs:default"], platforms: ["macOS"] },
    {
      identifier: "web",
      windows: ["main"],
      permissions: ["fs:default"],
      local: false,
      remote: { urls: ["https://x"] },
    },
  ]);
  assert.equal(p.forWindow("main").check("plugin:fs|read_text_file").allowed, false);
});

Deno.test("policy: no capabilities, no checks", () => {
  assert.deepEqual(Policy.open().forWindow("main").check("plugin:fs|write_text_file"), {
    allowed: true,
    scope: null,
  });
});

Deno.test("policy: labels match Tauri's globs", () => {
  assert.equal(globMatch("*", "main"), true);
  assert.equal(globMatch("editor-*", "editor-12"), true);
  assert.equal(globMatch("editor-*", "main"), false);
  assert.equal(globMatch("a.b", "aXb"), false);
});

Deno.test("capabilities: files beside the config, JSON5 and TOML, selected by app.security.capabilities", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(join(dir, "capabilities"));
  await Deno.writeTextFile(
    join(dir, "capabilities", "default.json"),
    JSON.stringify({
      $schema: "../gen/schemas/desktop-schema.json",
      identifier: "default",
      description: "Capability for the main window",
      windows: ["main"],
      permissions: ["core:default", "fs:default"],
    }),
  );
  await Deno.writeTextFile(
    join(dir, "capabilities", "extra.json5"),
    `{ identifier: 'extra', windows: ['*'], permissions: ['core:app:default'], // a comment\n}`,
  );
  await Deno.writeTextFile(
    join(dir, "capabilities", "more.toml"),
    `identifier = "more"\nwindows = ["second"]\npermissions = ["core:window:allow-set-title"]\n`,
  );
  const all = await loadCapabilities(dir, undefined, "tauri.conf.json");
  assert.deepEqual(all!.map((c) => c.identifier), ["default", "extra", "more"]);
  const some = await loadCapabilities(
    dir,
    ["more", { identifier: "inline", permissions: [] }],
    "tauri.conf.json",
  );
  assert.deepEqual(some!.map((c) => c.identifier), ["more", "inline"]);
  await assert.rejects(
    () => loadCapabilities(dir, ["missing"], "tauri.conf.json"),
    /no capability "missing" in capabilities\/ \(found: default, extra, more\)/,
  );
  assert.equal(await loadCapabilities(await Deno.makeTempDir(), undefined, "x"), null);
});
