// An app's description, read from a config in Tauri's shape (v1 or v2) plus Airlock's own optional section.
// Errors name the file and the field, because a newcomer's first mistake is usually a path.
import { dirname, isAbsolute, join, resolve } from "node:path";
import { type DevServerConfig, parseDevServer } from "./dev_server.ts";
import { type HttpPolicy, parseHttpPolicy } from "./http.ts";
import { appDataDir, type FsScope } from "./fs.ts";
import {
  type AppPermissions,
  type Capability,
  CapabilityError,
  loadAppPermissions,
  loadCapabilities,
  selectCapabilities,
} from "./capabilities.ts";
import { parseSecurity, type Security } from "./security.ts";
import { parsePluginConfigs, type PluginConfigs } from "./plugins/plugin_config.ts";
import { type AssetProtocol, parseAssetProtocol } from "./asset_protocol.ts";
import { withoutComments } from "./jsonc.ts";
export { withoutComments };

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The frontend's origin: what the app's pages are served as, and the Origin the core's fetch sends. */
export { APP_ORIGIN } from "../protocol/messages.ts";
import { APP_ORIGIN } from "../protocol/messages.ts";

export type Pattern = { use: "isolation"; dir: string } | { use: "brownfield" };

/** A window the app opens at start (Tauri's `app.windows[]`, v1 `tauri.windows[]`). */
export interface WindowConfig {
  label: string;
  title: string;
  /** The page, a path under the app's origin ("index.html" unless given). */
  url: string;
  width: number;
  height: number;
  /** Tauri's other window options, as Tauri names them (logical pixels); absent: GTK's default. */
  minWidth?: number;
  minHeight?: number;
  maxWidth?: number;
  maxHeight?: number;
  x?: number;
  y?: number;
  center?: boolean;
  resizable?: boolean;
  maximized?: boolean;
  fullscreen?: boolean;
  decorations?: boolean;
  alwaysOnTop?: boolean;
  visible?: boolean;
  focus?: boolean;
  /** "light" or "dark": GTK's preference, which is the whole app's. */
  theme?: "light" | "dark";
}

const WINDOW_NUMBERS = ["minWidth", "minHeight", "maxWidth", "maxHeight", "x", "y"] as const;
const WINDOW_FLAGS = [
  "center",
  "resizable",
  "maximized",
  "fullscreen",
  "decorations",
  "alwaysOnTop",
  "visible",
  "focus",
] as const;
/** Window options Tauri apps set that Airlock accepts (the rest of Tauri's are reported, not dropped). */
const WINDOW_KEYS = new Set<string>([
  "label",
  "title",
  "url",
  "width",
  "height",
  "theme",
  ...WINDOW_NUMBERS,
  ...WINDOW_FLAGS,
]);
const LABEL = /^[A-Za-z0-9\-/:_]{1,64}$/;

export interface AppConfig {
  file: string | null;
  baseDir: string;
  frontendDir: string;
  pattern: Pattern;
  app: { name: string; version: string; identifier: string; title: string; width: number; height: number };
  /** The windows opened at start, in order; the first is the one launch() returns. */
  windows: WindowConfig[];
  limits: {
    maxMessageBytes: number;
    maxDepth: number;
    hookTimeoutMs: number;
    readyTimeoutMs: number;
    /** Calls one window may make per second (airlock.callsPerSecond); the excess is refused at once. */
    callsPerSecond: number;
  };
  commandsModule: string | null;
  devtools: boolean;
  /** Pages may open windows (`new WebviewWindow(…)`): airlock.allowPageWindows, off by default. */
  allowPageWindows: boolean;
  /** What the page may fetch through the core (airlock.http); nothing unless the config allows it. */
  http: HttpPolicy;
  /** The folders the page may use through the core's file API (airlock.fs.scopes); none unless listed. */
  fs: FsScope[];
  /** What each window may call (Tauri v2 capabilities); null when the app declares none (no checks). */
  capabilities: Capability[] | null;
  /** The app's own permissions (permissions/*.toml beside the config). */
  appPermissions: AppPermissions;
  /** The page's CSP, freezePrototype and headers (app.security). */
  security: Security;
  /** Tauri's `plugins` section: each built-in plugin's settings (plugins.sql.preload, …). */
  plugins: PluginConfigs;
  /** Tauri's asset protocol (app.security.assetProtocol): off unless enabled, files in its scope only. */
  assetProtocol: AssetProtocol;
  /** Tauri's dev server and build hooks (build.devUrl, build.beforeDevCommand, build.beforeBuildCommand). */
  devServer: DevServerConfig;
}

type Json = Record<string, unknown>;

const DEFAULT_LIMITS = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  hookTimeoutMs: 10_000,
  readyTimeoutMs: 10_000,
  // Far above what a page does in use (a second's worth may come at once), below what a flood from a tight loop
  // reaches: one window cannot keep the core from the others.
  callsPerSecond: 5_000,
};

/** Typed access to nested fields, each failure naming the file and the field's path. */
class Reader {
  constructor(readonly where: string, readonly root: Json) {}

  fail(path: string, problem: string): never {
    throw new ConfigError(`${this.where}: ${path} ${problem}`);
  }

  get(path: string): unknown {
    let value: unknown = this.root;
    for (const key of path.split(".")) {
      if (value === undefined || value === null) return undefined;
      if (typeof value !== "object") this.fail(path, "is inside something that is not an object");
      value = Array.isArray(value) && /^\d+$/.test(key) ? value[Number(key)] : (value as Json)[key];
    }
    return value;
  }

  string(...paths: string[]): string | undefined {
    for (const path of paths) {
      const value = this.get(path);
      if (value === undefined) continue;
      if (typeof value !== "string") this.fail(path, "must be a string");
      return value;
    }
  }

  positive(path: string): number | undefined {
    const value = this.get(path);
    if (value === undefined) return undefined;
    if (!Number.isSafeInteger(value) || (value as number) <= 0) this.fail(path, "must be a positive integer");
    return value as number;
  }

  boolean(path: string): boolean | undefined {
    const value = this.get(path);
    if (value === undefined) return undefined;
    if (typeof value !== "boolean") this.fail(path, "must be true or false");
    return value;
  }
}

export function parseConfig(raw: unknown, file: string | null, baseDir: string): AppConfig {
  const where = file ?? "<inline config>";
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${where}: the config must be a JSON object`);
  }
  const config: Reader = new Reader(where, raw as Json); // annotated so fail() narrows as `never`
  const path = (value: string) => isAbsolute(value) ? value : resolve(baseDir, value);

  // v1 names the frontend build.distDir, v2 build.frontendDist.
  const distField = config.get("build.frontendDist") !== undefined ? "build.frontendDist" : "build.distDir";
  const dist = config.string(distField);
  if (dist === undefined) {
    config.fail("build.distDir", "(or v2's build.frontendDist) is required: the frontend folder");
  }
  if (/^[a-z]+:\/\//i.test(dist)) {
    config.fail(
      distField,
      `is a URL (${dist}): give the built frontend folder (a dev server goes in build.devUrl)`,
    );
  }

  const patternField = config.get("app.security.pattern") !== undefined
    ? "app.security.pattern"
    : "tauri.pattern";
  let pattern: Pattern = { use: "brownfield" };
  const use = config.string(`${patternField}.use`);
  if (use === "isolation") {
    const dir = config.string(`${patternField}.options.dir`);
    if (dir === undefined) {
      config.fail(`${patternField}.options.dir`, "is required for the isolation pattern");
    }
    pattern = { use: "isolation", dir: path(dir) };
  } else if (use !== undefined && use !== "brownfield") {
    config.fail(`${patternField}.use`, `must be "isolation" or "brownfield", not "${use}"`);
  }

  const windowField = config.get("app.windows") !== undefined ? "app.windows.0" : "tauri.windows.0";
  const name = config.string("productName", "package.productName") ?? "Airlock app";
  const commands = config.string("airlock.commands");
  const besideConfig = file ? join(dirname(file), "commands.ts") : null;
  return {
    file,
    baseDir,
    frontendDir: path(dist),
    pattern,
    app: {
      name,
      version: config.string("version", "package.version") ?? "0.0.0",
      identifier: config.string("identifier", "tauri.bundle.identifier") ?? "dev.airlock.app",
      title: config.string(`${windowField}.title`) ?? name,
      width: config.positive(`${windowField}.width`) ?? 800,
      height: config.positive(`${windowField}.height`) ?? 600,
    },
    windows: windowConfigs(
      config,
      config.get("app.windows") !== undefined ? "app.windows" : "tauri.windows",
      {
        title: config.string(`${windowField}.title`) ?? name,
      },
    ),
    limits: {
      maxMessageBytes: config.positive("airlock.maxMessageBytes") ?? DEFAULT_LIMITS.maxMessageBytes,
      maxDepth: config.positive("airlock.maxDepth") ?? DEFAULT_LIMITS.maxDepth,
      hookTimeoutMs: config.positive("airlock.hookTimeoutMs") ?? DEFAULT_LIMITS.hookTimeoutMs,
      readyTimeoutMs: config.positive("airlock.readyTimeoutMs") ?? DEFAULT_LIMITS.readyTimeoutMs,
      callsPerSecond: config.positive("airlock.callsPerSecond") ?? DEFAULT_LIMITS.callsPerSecond,
    },
    commandsModule: commands !== undefined
      ? path(commands)
      : besideConfig && exists(besideConfig)
      ? besideConfig
      : null,
    devtools: config.boolean("airlock.devtools") ?? false,
    allowPageWindows: config.boolean("airlock.allowPageWindows") ?? false,
    http: section(where, () => parseHttpPolicy(config.get("airlock.http"), "airlock.http", APP_ORIGIN)),
    fs: fsScopes(config, path, config.string("identifier", "tauri.bundle.identifier") ?? "dev.airlock.app"),
    // Inline capabilities now; loadConfig adds the capability files beside a config file.
    capabilities: capabilityError(() => {
      const listed = config.get("app.security.capabilities");
      return Array.isArray(listed) && listed.some((item) => typeof item === "string")
        ? null
        : selectCapabilities([], listed, where);
    }),
    appPermissions: { permissions: {}, sets: {}, default: null },
    devServer: parseDevServer(config.get("build"), baseDir, (field, problem) => config.fail(field, problem)),
    security: section(where, () => parseSecurity(config.get("app.security") ?? config.get("tauri.security"))),
    plugins: section(where, () => parsePluginConfigs(config.get("plugins"))),
    assetProtocol: section(
      where,
      () =>
        parseAssetProtocol(config.get("app.security.assetProtocol"), "app.security.assetProtocol", {
          identifier: config.string("identifier", "tauri.bundle.identifier") ?? "dev.airlock.app",
          resourceDir: baseDir,
        }),
    ),
  };
}

/** A capability file's error as a config error (the CLI prints those as one line). */
function capabilityError<T>(read: () => T): T {
  const convert = (error: unknown): never => {
    if (error instanceof CapabilityError) throw new ConfigError(error.message);
    throw error;
  };
  try {
    const result = read();
    return (result instanceof Promise ? result.catch(convert) : result) as T;
  } catch (error) {
    return convert(error);
  }
}

/** app.windows: each window's options, checked; none listed means one window "main". */
function windowConfigs(config: Reader, field: string, defaults: { title: string }): WindowConfig[] {
  const list = config.get(field);
  if (list === undefined || list === null) {
    return [{ label: "main", title: defaults.title, url: "index.html", width: 800, height: 600 }];
  }
  if (!Array.isArray(list)) config.fail(field, "must be a list of windows");
  const labels = new Set<string>();
  return list.map((item, i) => {
    const at = `${field}.${i}`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      config.fail(at, "must be an object");
    }
    const unknown = Object.keys(item).filter((key) => !WINDOW_KEYS.has(key));
    if (unknown.length) {
      config.fail(
        `${at}.${unknown[0]}`,
        `is not a window option Airlock knows (it knows ${[...WINDOW_KEYS].join(", ")})`,
      );
    }
    const label = config.string(`${at}.label`) ?? (i === 0 ? "main" : undefined);
    if (label === undefined || !LABEL.test(label)) {
      config.fail(`${at}.label`, "must be 1–64 letters, digits, -, /, : or _");
    }
    if (labels.has(label)) config.fail(`${at}.label`, `"${label}" is used twice`);
    labels.add(label);
    const spec: WindowConfig = {
      label,
      title: config.string(`${at}.title`) ?? defaults.title,
      url: config.string(`${at}.url`) ?? "index.html",
      width: config.positive(`${at}.width`) ?? 800,
      height: config.positive(`${at}.height`) ?? 600,
    };
    for (const key of WINDOW_NUMBERS) {
      const value = config.get(`${at}.${key}`);
      if (value === undefined) continue;
      if (typeof value !== "number" || !Number.isFinite(value)) {
        config.fail(`${at}.${key}`, "must be a number");
      }
      spec[key] = value;
    }
    for (const key of WINDOW_FLAGS) {
      const value = config.boolean(`${at}.${key}`);
      if (value !== undefined) spec[key] = value;
    }
    const theme = config.string(`${at}.theme`);
    if (theme !== undefined && theme !== "light" && theme !== "dark") {
      config.fail(`${at}.theme`, `must be "light" or "dark"`);
    }
    if (theme !== undefined) spec.theme = theme;
    return spec;
  });
}

/**
 * airlock.fs.scopes: [{ "name": "appData", "dir": "$APPDATA", "write": true }, …]. A dir is absolute,
 * relative to the config file, or starts with $APPDATA (the platform's data folder for the app's
 * identifier, as Tauri's appDataDir: what a shipped app should use).
 */
function fsScopes(config: Reader, path: (value: string) => string, identifier: string): FsScope[] {
  const list = config.get("airlock.fs.scopes");
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) config.fail("airlock.fs.scopes", "must be a list of { name, dir, write } scopes");
  const names = new Set<string>();
  return list.map((_, i) => {
    const field = `airlock.fs.scopes.${i}`;
    const name = config.string(`${field}.name`);
    const dir = config.string(`${field}.dir`);
    if (name === undefined || !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name)) {
      config.fail(`${field}.name`, "must be a name of letters, digits, - and _ (the page's baseDir)");
    }
    if (names.has(name)) config.fail(`${field}.name`, `"${name}" is used twice`);
    names.add(name);
    if (dir === undefined || dir === "") config.fail(`${field}.dir`, "is required: the scope's folder");
    const root = dir === "$APPDATA" || dir.startsWith("$APPDATA/")
      ? join(appDataDir(identifier), dir.slice("$APPDATA".length))
      : path(dir);
    return { name, root, write: config.boolean(`${field}.write`) ?? false };
  });
}

/** Runs a section's own parser, naming the file in its error. */
function section<T>(where: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigError(`${where}: ${(error as Error).message}`);
  }
}

function exists(file: string): boolean {
  try {
    return Deno.statSync(file).isFile;
  } catch {
    return false;
  }
}

async function requireDir(where: string, field: string, dir: string): Promise<void> {
  try {
    if ((await Deno.stat(dir)).isDirectory) return;
  } catch { /* reported below */ }
  throw new ConfigError(`${where}: ${field} points to ${dir}, which is not a folder`);
}

/** Reads, parses and checks a config; every folder it names must exist. */
export async function loadConfig(source: string | Json, baseDir?: string): Promise<AppConfig> {
  let config: AppConfig;
  if (typeof source === "string") {
    const file = resolve(source);
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (error) {
      throw new ConfigError(`cannot read config ${file}: ${(error as Error).message}`);
    }
    let raw: unknown;
    try {
      // JSON with comments and trailing commas (JSONC), as editors and Tauri's own docs write configs.
      raw = JSON.parse(withoutComments(text));
    } catch (error) {
      throw new ConfigError(`${file}: not valid JSON: ${(error as Error).message}`);
    }
    config = parseConfig(raw, file, dirname(file));
    const listed = (raw as { app?: { security?: { capabilities?: unknown } } })?.app?.security?.capabilities;
    config.capabilities = await capabilityError(() => loadCapabilities(dirname(file), listed, file));
    config.appPermissions = await capabilityError(() => loadAppPermissions(dirname(file)));
  } else {
    config = parseConfig(source, null, resolve(baseDir ?? Deno.cwd()));
  }
  const where = config.file ?? "<inline config>";
  // With a dev server, the built folder may not exist yet (its first build makes it).
  if (config.devServer.url === null) {
    await requireDir(where, "the frontend folder (build.distDir / build.frontendDist)", config.frontendDir);
  }
  if (config.pattern.use === "isolation") {
    await requireDir(where, "the isolation app folder (pattern.options.dir)", config.pattern.dir);
  }
  return config;
}
