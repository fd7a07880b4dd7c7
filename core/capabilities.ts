// Tauri v2 capability files, read as Tauri reads them: `capabilities/*.{json,json5,toml}` beside the
// config (each file one capability, a list of them, or { "capabilities": [...] }), inline objects in
// `app.security.capabilities`, and the app's own permissions in `permissions/*.{json,toml}`. Only the
// reading and checking of the files is here; what they grant is policy.ts's.
import { extname, join } from "node:path";
import type { PermissionSpec, ScopeEntry } from "./permissions.ts";
import { withoutComments } from "./jsonc.ts";

/** A permission as a capability names it: an identifier, or one with a scope of its own. */
export type PermissionRef = string | { identifier: string; allow?: ScopeEntry[]; deny?: ScopeEntry[] };

export interface Capability {
  identifier: string;
  description?: string;
  /** Window labels (globs: "*", "editor-*") the capability applies to. */
  windows: string[];
  /** Webview labels; in Airlock each window has one webview, with the window's label. */
  webviews: string[];
  permissions: PermissionRef[];
  /** Where it applies ("linux", "macOS", "windows", "iOS", "android"); absent: everywhere. */
  platforms?: string[];
  /** Whether it applies to the app's own pages (Tauri's default: true). */
  local: boolean;
  /** Remote URLs it would apply to: Airlock never loads remote pages, so these grant nothing. */
  remote?: { urls: string[] };
  /** Where it was defined, for error messages. */
  source: string;
}

/** The app's own permissions (src-tauri/permissions/), named without a plugin prefix. */
export interface AppPermissions {
  permissions: Record<string, PermissionSpec>;
  sets: Record<string, string[]>;
  default: string[] | null;
}

export class CapabilityError extends Error {
  override name = "CapabilityError";
}

const CAPABILITY_KEYS = new Set([
  "$schema",
  "identifier",
  "description",
  "windows",
  "webviews",
  "permissions",
  "platforms",
  "local",
  "remote",
]);
const IDENTIFIER = /^[a-z0-9_-]+(:[a-z0-9_-]+){0,2}$/i;

function strings(value: unknown, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw new CapabilityError(`${where} must be a list of strings`);
  }
  return value;
}

function scopeEntries(value: unknown, where: string): ScopeEntry[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "object" || item === null)) {
    throw new CapabilityError(`${where} must be a list of scope objects (e.g. { "path": "$APPDATA/**" })`);
  }
  return value as ScopeEntry[];
}

function permissionRef(value: unknown, where: string): PermissionRef {
  if (typeof value === "string") {
    if (!IDENTIFIER.test(value)) {
      throw new CapabilityError(`${where}: "${value}" is not a permission identifier`);
    }
    return value;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CapabilityError(`${where} must be a permission identifier or { identifier, allow, deny }`);
  }
  const object = value as Record<string, unknown>;
  const unknown = Object.keys(object).filter((key) => !["identifier", "allow", "deny"].includes(key));
  if (unknown.length) throw new CapabilityError(`${where}.${unknown[0]} is not a field of a permission`);
  const identifier = permissionRef(object.identifier, `${where}.identifier`) as string;
  if (typeof identifier !== "string") throw new CapabilityError(`${where}.identifier must be a string`);
  return {
    identifier,
    ...(object.allow !== undefined ? { allow: scopeEntries(object.allow, `${where}.allow`) } : {}),
    ...(object.deny !== undefined ? { deny: scopeEntries(object.deny, `${where}.deny`) } : {}),
  };
}

/** One capability object, checked field by field; `where` names its file. */
export function parseCapability(value: unknown, where: string): Capability {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CapabilityError(`${where}: a capability must be an object`);
  }
  const raw = value as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((key) => !CAPABILITY_KEYS.has(key));
  if (unknown.length) {
    throw new CapabilityError(
      `${where}: "${unknown[0]}" is not a capability field (known: ${[...CAPABILITY_KEYS].join(", ")})`,
    );
  }
  if (typeof raw.identifier !== "string" || raw.identifier === "") {
    throw new CapabilityError(`${where}: identifier is required (a string)`);
  }
  const at = `${where}: capability "${raw.identifier}"`;
  if (!Array.isArray(raw.permissions)) throw new CapabilityError(`${at}: permissions must be a list`);
  if (raw.local !== undefined && typeof raw.local !== "boolean") {
    throw new CapabilityError(`${at}: local must be true or false`);
  }
  const remote = raw.remote as { urls?: unknown } | undefined;
  if (remote !== undefined && (typeof remote !== "object" || remote === null)) {
    throw new CapabilityError(`${at}: remote must be { "urls": [...] }`);
  }
  return {
    identifier: raw.identifier,
    ...(typeof raw.description === "string" ? { description: raw.description } : {}),
    windows: strings(raw.windows, `${at}: windows`),
    webviews: strings(raw.webviews, `${at}: webviews`),
    permissions: raw.permissions.map((item, i) => permissionRef(item, `${at}: permissions[${i}]`)),
    ...(raw.platforms !== undefined ? { platforms: strings(raw.platforms, `${at}: platforms`) } : {}),
    local: raw.local ?? true,
    ...(remote ? { remote: { urls: strings(remote.urls, `${at}: remote.urls`) } } : {}),
    source: where,
  };
}

/** A capability file's capabilities: one object, a list, or { "capabilities": [...] }. */
export function parseCapabilityFile(value: unknown, where: string): Capability[] {
  if (Array.isArray(value)) return value.map((item, i) => parseCapability(item, `${where}[${i}]`));
  const list = (value as { capabilities?: unknown } | null)?.capabilities;
  if (value && typeof value === "object" && Array.isArray(list) && !("identifier" in value)) {
    return list.map((item, i) => parseCapability(item, `${where}: capabilities[${i}]`));
  }
  return [parseCapability(value, where)];
}

/** JSON (with comments), JSON5 or TOML, by the file's extension. The JSON5 and TOML parsers are loaded
 * only for such files (inline specifiers: they must resolve from an app's own deno.json too). */
async function parseFile(text: string, file: string): Promise<unknown> {
  const ext = extname(file).toLowerCase();
  try {
    if (ext === ".toml") {
      // deno-lint-ignore no-import-prefix
      const { parse } = await import("npm:smol-toml@1.9.1");
      return parse(text);
    }
    if (ext === ".json5") {
      // deno-lint-ignore no-import-prefix
      const { default: JSON5 } = await import("npm:json5@2.2.3");
      return JSON5.parse(text);
    }
    return JSON.parse(withoutComments(text));
  } catch (error) {
    throw new CapabilityError(
      `${file}: not valid ${ext.slice(1).toUpperCase()}: ${(error as Error).message}`,
    );
  }
}

async function filesIn(dir: string, extensions: string[]): Promise<string[]> {
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && extensions.includes(extname(entry.name).toLowerCase())) {
        files.push(join(dir, entry.name));
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw new CapabilityError(`cannot read ${dir}: ${(error as Error).message}`);
  }
  return files.sort();
}

/**
 * The capabilities in force: with `app.security.capabilities` listing some, exactly those (inline
 * objects, or identifiers of capabilities in the files); otherwise every capability file. null when the
 * app declares none at all (then no capability checks are made: see policy.ts).
 */
export async function loadCapabilities(
  configDir: string | null,
  listed: unknown,
  where: string,
): Promise<Capability[] | null> {
  const fromFiles: Capability[] = [];
  if (configDir) {
    for (const file of await filesIn(join(configDir, "capabilities"), [".json", ".json5", ".toml"])) {
      fromFiles.push(...parseCapabilityFile(await parseFile(await Deno.readTextFile(file), file), file));
    }
  }
  return selectCapabilities(fromFiles, listed, where);
}

/** The capabilities `app.security.capabilities` enables among those of the files. */
export function selectCapabilities(
  fromFiles: Capability[],
  listed: unknown,
  where: string,
): Capability[] | null {
  const byId = new Map<string, Capability>();
  for (const capability of fromFiles) {
    if (byId.has(capability.identifier)) {
      throw new CapabilityError(
        `${capability.source}: capability "${capability.identifier}" is also defined in ` +
          byId.get(capability.identifier)!.source,
      );
    }
    byId.set(capability.identifier, capability);
  }
  if (listed === undefined || listed === null || (Array.isArray(listed) && listed.length === 0)) {
    return fromFiles.length ? fromFiles : null;
  }
  if (!Array.isArray(listed)) {
    throw new CapabilityError(`${where}: app.security.capabilities must be a list`);
  }
  return listed.map((item, i) => {
    const at = `${where}: app.security.capabilities[${i}]`;
    if (typeof item !== "string") return parseCapability(item, at);
    const found = byId.get(item);
    if (!found) {
      throw new CapabilityError(
        `${at}: no capability "${item}" in capabilities/ (found: ${[...byId.keys()].join(", ") || "none"})`,
      );
    }
    return found;
  });
}

/** The app's permissions/*.{json,toml}: [[permission]] { identifier, commands.allow/deny, scope },
 * [[set]] { identifier, permissions }, [default] { permissions }. */
export async function loadAppPermissions(configDir: string | null): Promise<AppPermissions> {
  const out: AppPermissions = { permissions: {}, sets: {}, default: null };
  if (!configDir) return out;
  for (const file of await filesIn(join(configDir, "permissions"), [".json", ".toml"])) {
    addAppPermissions(out, await parseFile(await Deno.readTextFile(file), file), file);
  }
  return out;
}

export function addAppPermissions(out: AppPermissions, value: unknown, where: string): void {
  const raw = (value ?? {}) as Record<string, unknown>;
  const list = (key: string) => {
    const items = raw[key] ?? [];
    if (!Array.isArray(items)) throw new CapabilityError(`${where}: ${key} must be a list`);
    return items as Record<string, unknown>[];
  };
  for (const [i, permission] of list("permission").entries()) {
    const at = `${where}: permission[${i}]`;
    const id = permission.identifier;
    if (typeof id !== "string" || !IDENTIFIER.test(id)) {
      throw new CapabilityError(`${at}: identifier is required`);
    }
    const commands = (permission.commands ?? {}) as Record<string, unknown>;
    const scope = (permission.scope ?? {}) as Record<string, unknown>;
    out.permissions[id] = {
      allow: strings(commands.allow, `${at}: commands.allow`),
      deny: strings(commands.deny, `${at}: commands.deny`),
      scope: {
        allow: scopeEntries(scope.allow, `${at}: scope.allow`) ?? [],
        deny: scopeEntries(scope.deny, `${at}: scope.deny`) ?? [],
      },
    };
  }
  for (const [i, set] of list("set").entries()) {
    const id = set.identifier;
    if (typeof id !== "string") throw new CapabilityError(`${where}: set[${i}]: identifier is required`);
    out.sets[id] = strings(set.permissions, `${where}: set[${i}]: permissions`);
  }
  if (raw.default !== undefined) {
    out.default = strings(
      (raw.default as Record<string, unknown>).permissions,
      `${where}: default.permissions`,
    );
  }
}
