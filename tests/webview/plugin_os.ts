// @tauri-apps/plugin-os, unchanged from npm, against the real machine: the page world's read-only
// __TAURI_OS_PLUGIN_INTERNALS__ and the locale/hostname commands through isolation.
import assert from "node:assert/strict";
import { settle } from "../fixture.ts";
import { launchPluginApp, PLUGIN_PACKAGES } from "./plugin_app.ts";

const PAGE = `import * as os from "@tauri-apps/plugin-os"; window.os = os;`;

Deno.test("plugin-os: platform, arch, family, version, type, eol, exeExtension, locale and hostname as this machine has them", async () => {
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.os]);
  // Read at each call (set after GTK started, which would warn about a locale the C library lacks).
  const saved = Deno.env.get("LC_ALL");
  Deno.env.set("LC_ALL", "de_AT.UTF-8");
  try {
    const got = await app.evaluate(`(async () => ({
      platform: os.platform(), arch: os.arch(), family: os.family(), type: os.type(), version: os.version(),
      eol: os.eol(), exeExtension: os.exeExtension(), locale: await os.locale(), hostname: await os.hostname(),
    }))()`);
    const release = await Deno.readTextFile("/etc/os-release").catch(() => "");
    const versionId = /^VERSION_ID="?([^"\n]*)"?$/m.exec(release)?.[1] ?? "Unknown";
    assert.deepEqual(got, {
      platform: "linux",
      arch: Deno.build.arch,
      family: "unix",
      type: "linux",
      version: versionId,
      eol: "\n",
      exeExtension: "",
      locale: "de-AT",
      hostname: Deno.hostname(),
    });
  } finally {
    await app.close();
    if (saved === undefined) Deno.env.delete("LC_ALL");
    else Deno.env.set("LC_ALL", saved);
  }
});

Deno.test("plugin-os: a page script cannot change what the plugin reads, and the hook sees the commands", async () => {
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (m) => {
    if (m.cmd === "plugin:os|hostname") throw new Error("no host names");
    return m;
  };`;
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.os], { hook });
  try {
    const attempts = await app.evaluate(`(() => {
      const tries = [
        () => { window.__TAURI_OS_PLUGIN_INTERNALS__ = { platform: "evil" }; },
        () => { window.__TAURI_OS_PLUGIN_INTERNALS__.platform = "evil"; },
        () => { Object.defineProperty(window, "__TAURI_OS_PLUGIN_INTERNALS__", { value: { platform: "evil" } }); },
        () => { delete window.__TAURI_OS_PLUGIN_INTERNALS__; },
      ];
      for (const attempt of tries) { try { attempt(); } catch {} }
      return [os.platform(), os.arch(), Object.isFrozen(window.__TAURI_OS_PLUGIN_INTERNALS__)];
    })()`);
    assert.deepEqual(attempts, ["linux", Deno.build.arch, true]);
    assert.deepEqual(await app.evaluate(settle(`os.hostname()`)), {
      ok: false,
      error: "isolation hook refused the call: no host names",
    });
  } finally {
    await app.close();
  }
});
