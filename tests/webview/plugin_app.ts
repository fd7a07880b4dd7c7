// Apps for the plugin tests: a page bundled from @tauri-apps/api and official @tauri-apps/plugin-* npm
// packages (pinned), nothing Airlock-specific in it, launched through isolation.
import { type AppHandle, launch, type LaunchOptions } from "../../mod.ts";
import { type FixtureOptions, makeApp, SEED_HOOK } from "../fixture.ts";
import { bundleWithTauriApi } from "./tauri_compat.ts";

/** The pinned versions of the official plugin packages Airlock is tested against. */
export const PLUGIN_PACKAGES = {
  os: "@tauri-apps/plugin-os@2.4.0",
  process: "@tauri-apps/plugin-process@2.4.0",
  store: "@tauri-apps/plugin-store@2.4.5",
  sql: "@tauri-apps/plugin-sql@2.5.0",
  log: "@tauri-apps/plugin-log@2.10.0",
  opener: "@tauri-apps/plugin-opener@2.7.3",
  clipboard: "@tauri-apps/plugin-clipboard-manager@2.3.3",
  dialog: "@tauri-apps/plugin-dialog@2.8.4",
  notification: "@tauri-apps/plugin-notification@2.5.0",
} as const;

const bundles = new Map<string, Promise<string>>();

/** The page's script: `source` bundled with the packages (once per source for the whole run). */
export function pluginBundle(source: string, packages: string[]): Promise<string> {
  const key = JSON.stringify([source, packages]);
  if (!bundles.has(key)) bundles.set(key, bundleWithTauriApi(source, packages));
  return bundles.get(key)!;
}

/** A hook that checks nothing: what the core refuses, the core refused. */
export const PASS_HOOK = SEED_HOOK;

/** Writes an app whose page runs the bundle (as app.js) and returns its config file. */
export async function pluginConfig(
  bundle: string,
  options: FixtureOptions & { config?: Record<string, unknown> } = {},
): Promise<string> {
  const file = await makeApp({
    hook: PASS_HOOK,
    ...options,
    frontend: {
      "index.html": `<!doctype html><meta charset="utf-8"><script src="app.js"></script>`,
      "app.js": bundle,
      ...options.frontend,
    },
  });
  if (options.config) {
    const raw = JSON.parse(await Deno.readTextFile(file));
    await Deno.writeTextFile(file, JSON.stringify({ ...raw, ...options.config }, null, 2));
  }
  return file;
}

/** Launches an app whose page runs `source` bundled with the plugin packages. */
export async function launchPluginApp(
  source: string,
  packages: string[],
  options: FixtureOptions & { config?: Record<string, unknown>; launch?: Partial<LaunchOptions> } = {},
): Promise<AppHandle> {
  const config = await pluginConfig(await pluginBundle(source, packages), options);
  return await launch({ config, ...options.launch });
}

/** launchPluginApp's options for a test under capabilities: windows "main" and "second", core:default for
 * both, then `grants` (capability objects), a hook that checks nothing, audit lines kept by `audit`. */
export function underCapabilities(
  grants: Record<string, unknown>[],
  audit: LaunchOptions["audit"] = () => {},
): FixtureOptions & { config: Record<string, unknown>; launch: Partial<LaunchOptions> } {
  return {
    hook: `window.__TAURI_ISOLATION_HOOK__ = (payload) => payload;`,
    config: {
      app: {
        windows: [{ label: "main" }, { label: "second", width: 320, height: 240 }],
        security: {
          capabilities: [{ identifier: "base", windows: ["*"], permissions: ["core:default"] }, ...grants],
        },
      },
    },
    launch: { audit },
  };
}
