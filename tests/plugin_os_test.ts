import assert from "node:assert/strict";
import { locale, osInitScript, osInternals } from "../core/plugins/os.ts";

Deno.test("os: the locale as a BCP-47 tag from LC_ALL, LC_MESSAGES, LANG in that order", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(locale(env({ LANG: "en_US.UTF-8" })), "en-US");
  assert.equal(locale(env({ LANG: "en_US.UTF-8", LC_MESSAGES: "fr_CA" })), "fr-CA");
  assert.equal(locale(env({ LANG: "en_US.UTF-8", LC_MESSAGES: "fr_CA", LC_ALL: "sr_RS@latin" })), "sr-RS");
  assert.equal(locale(env({ LANG: "de" })), "de");
  assert.equal(locale(env({ LANG: "C.UTF-8" })), null);
  assert.equal(locale(env({ LANG: "POSIX" })), null);
  assert.equal(locale(env({})), null);
});

Deno.test("os: the init script defines a frozen, non-writable, non-configurable global", () => {
  const internals = osInternals();
  assert.equal(internals.platform, "linux");
  assert.equal(internals.family, "unix");
  const target: Record<string, unknown> = {};
  new Function("window", osInitScript(internals))(target);
  const value = target.__TAURI_OS_PLUGIN_INTERNALS__ as Record<string, unknown>;
  assert.deepEqual(value, internals);
  assert.ok(Object.isFrozen(value));
  const descriptor = Object.getOwnPropertyDescriptor(target, "__TAURI_OS_PLUGIN_INTERNALS__")!;
  assert.equal(descriptor.writable, false);
  assert.equal(descriptor.configurable, false);
});
