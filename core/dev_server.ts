// Tauri's build section for a framework dev server: build.devUrl (v1: build.devPath when it is a URL), the
// command that starts the server before `dev` (build.beforeDevCommand) and the one run before a build
// (build.beforeBuildCommand), each a string or { script, cwd, wait } as Tauri's config has them.
import { basename, dirname, isAbsolute, resolve } from "node:path";

export interface HookCommand {
  /** Run by `sh -c`. */
  script: string;
  /** Where it runs: Tauri's app folder (the config's, or its parent for a config in src-tauri/) unless the
   * config says. */
  cwd: string;
  /** beforeDevCommand only: wait for it to end before starting (else it runs beside the app). */
  wait: boolean;
}

export interface DevServerConfig {
  /** The dev server whose pages `dev` serves (http or https, on any host); null: the frontend folder. */
  url: string | null;
  beforeDevCommand: HookCommand | null;
  beforeBuildCommand: HookCommand | null;
}

/** Reads the section from a config object; `fail(field, problem)` throws the config's error. */
export function parseDevServer(
  build: unknown,
  configDir: string,
  fail: (field: string, problem: string) => never,
): DevServerConfig {
  if (build === undefined || build === null) {
    return { url: null, beforeDevCommand: null, beforeBuildCommand: null };
  }
  const section = build as Record<string, unknown>;
  // Tauri's app folder: the frontend project's, holding src-tauri/ when the config is in it.
  const appDir = basename(configDir) === "src-tauri" ? dirname(configDir) : configDir;
  let url: string | null = null;
  for (const field of ["devUrl", "devPath"]) {
    const value = section[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") fail(`build.${field}`, "must be a string");
    // v1's devPath may also be a folder: that is the frontend folder's job here.
    if (field === "devPath" && !/^https?:\/\//i.test(value)) continue;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      fail(`build.${field}`, `is not a URL: ${JSON.stringify(value)}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      fail(`build.${field}`, `must be an http or https URL (a dev server), not ${parsed.protocol}`);
    }
    url = parsed.href.replace(/\/+$/, "");
    break;
  }
  const hook = (field: string, withWait: boolean): HookCommand | null => {
    const value = section[field];
    if (value === undefined || value === null) return null;
    if (typeof value === "string") return value.trim() ? { script: value, cwd: appDir, wait: false } : null;
    if (typeof value !== "object" || Array.isArray(value)) {
      fail(`build.${field}`, "must be a command (a string) or { script, cwd, wait }");
    }
    const { script, cwd, wait, ...rest } = value as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) fail(`build.${field}.${extra}`, "is not a field of this command");
    if (typeof script !== "string" || !script.trim()) fail(`build.${field}.script`, "must be a command");
    if (cwd !== undefined && typeof cwd !== "string") fail(`build.${field}.cwd`, "must be a folder");
    if (wait !== undefined && (typeof wait !== "boolean" || !withWait)) {
      fail(`build.${field}.wait`, withWait ? "must be true or false" : "is not a field of this command");
    }
    return {
      script,
      // Relative to the config's folder, as the Tauri CLI runs from src-tauri/.
      cwd: cwd === undefined ? appDir : isAbsolute(cwd) ? cwd : resolve(configDir, cwd),
      wait: wait === true,
    };
  };
  return {
    url,
    beforeDevCommand: hook("beforeDevCommand", true),
    beforeBuildCommand: hook("beforeBuildCommand", false),
  };
}
