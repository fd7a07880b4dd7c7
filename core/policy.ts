// What a window may call, from the capabilities that name it: the core's own check of every call, made
// after the message is opened and before any handler runs, whatever the isolation hook decided.
//
// The rules are Tauri v2's: a built-in plugin's command runs only when a permission of some capability
// of the calling window allows it and none denies it (a deny wins); a permission's scope belongs to its
// commands, or to the whole plugin when it names none; an app command runs unless the app's own
// permissions (permissions/*.toml) name it, and then only when granted. An app with no capabilities at
// all gets no check (`Policy.open`): everything built in is limited only by the airlock config section.
import type { AppPermissions, Capability, PermissionRef } from "./capabilities.ts";
import { CapabilityError } from "./capabilities.ts";
import { kebab, type PermissionSpec, type PluginManifest, type Scope } from "./permissions.ts";
import { CORE_DEFAULT } from "./plugins/core_manifests.ts";

export type Decision =
  | { allowed: true; scope: Scope | null }
  | { allowed: false; reason: string };

/** A permission after sets are expanded: what it allows or denies, for which command prefix. */
interface Resolved {
  id: string;
  /** "plugin:fs|" for a plugin's commands, "" for the app's. */
  prefix: string;
  spec: PermissionSpec;
}

const OPEN: Decision = { allowed: true, scope: null };

export interface PolicyOptions {
  /** A line for what the capabilities say that Airlock cannot honour (it grants nothing, and says so). */
  warn?(message: string): void;
}

export class Policy {
  readonly #capabilities: Capability[] | null;
  readonly #manifests = new Map<string, PluginManifest>();
  readonly #app: AppPermissions;
  readonly #options: PolicyOptions;
  /** App commands some app permission names: these need a grant. */
  readonly #guarded = new Set<string>();
  readonly #windows = new Map<string, WindowPolicy>();

  /** No capabilities: no checks. */
  static open(): Policy {
    return new Policy(null, [], { permissions: {}, sets: {}, default: null }, {});
  }

  constructor(
    capabilities: Capability[] | null,
    manifests: PluginManifest[],
    app: AppPermissions,
    options: PolicyOptions,
  ) {
    this.#capabilities = capabilities;
    for (const manifest of manifests) this.#manifests.set(manifest.name, manifest);
    this.#app = app;
    this.#options = options;
    for (const spec of Object.values(app.permissions)) {
      for (const cmd of [...spec.allow ?? [], ...spec.deny ?? []]) this.#guarded.add(cmd);
    }
    // Every identifier is resolved now, so a typo fails at start, naming its file, not at the first call.
    for (const capability of capabilities ?? []) {
      capability.permissions.forEach((ref, i) =>
        this.#resolveRef(
          ref,
          `${capability.source}: capability "${capability.identifier}": permissions[${i}]`,
        )
      );
      if (capability.remote?.urls.length) {
        options.warn?.(
          `capability "${capability.identifier}": remote.urls grant nothing (Airlock loads no remote pages)`,
        );
      }
    }
  }

  /** Whether the app declares capabilities (and so every built-in call is checked). */
  get enforced(): boolean {
    return this.#capabilities !== null;
  }

  /** The policy of the window with this label (its capabilities matched once); `as`: the label whose
   * capabilities it has instead (a window a page opened has its opener's). */
  forWindow(label: string, as = label): WindowPolicy {
    const key = `${label}\n${as}`;
    let policy = this.#windows.get(key);
    if (!policy) {
      policy = new WindowPolicy(label, this.#capabilities === null ? null : this.#grantsOf(as), this, as);
      this.#windows.set(key, policy);
    }
    return policy;
  }

  /** The manifest a command belongs to, and its name without the plugin ("read_file"). */
  manifestOf(cmd: string): { manifest: PluginManifest | null; command: string; prefix: string } | null {
    // [^]* (not .*): a command name with a line break in it is still this plugin's.
    const match = /^plugin:([^|]*)\|([^]*)$/.exec(cmd);
    if (!match) return this.#guarded.has(cmd) ? { manifest: null, command: cmd, prefix: "" } : null;
    const [, plugin, command] = match;
    // Every plugin's command needs a grant, as in Tauri: Airlock's own, and the app's own plugins (whose
    // manifests come from its commands module, see appPluginManifests).
    const manifest = this.#manifests.get(`core:${plugin}`) ?? this.#manifests.get(plugin) ?? null;
    return { manifest, command, prefix: `plugin:${plugin}|` };
  }

  /** Permission identifiers that would allow `command` of `manifest` (for a refusal's message). */
  grantersOf(manifest: PluginManifest | null, command: string): string[] {
    const names = manifest
      ? ["default", ...Object.keys(manifest.permissions ?? {}), ...Object.keys(manifest.sets ?? {})]
      : ["default", ...Object.keys(this.#app.permissions), ...Object.keys(this.#app.sets)];
    const out = manifest ? [`${manifest.name}:allow-${kebab(command)}`] : [];
    for (const name of names) {
      const id = manifest ? `${manifest.name}:${name}` : name;
      try {
        if (this.#resolveRef(id, "").some((r) => r.spec.allow?.includes(command))) out.push(id);
      } catch { /* an app without a default */ }
    }
    return [...new Set(out)];
  }

  #grantsOf(label: string): Grants {
    const grants = new Grants();
    for (const capability of this.#capabilities ?? []) {
      if (!appliesTo(capability, label)) continue;
      grants.capabilities.push(capability.identifier);
      for (const ref of capability.permissions) {
        const extra = typeof ref === "string" ? null : { allow: ref.allow ?? [], deny: ref.deny ?? [] };
        for (const resolved of this.#resolveRef(ref, "")) grants.add(resolved, extra);
      }
    }
    return grants;
  }

  #resolveRef(ref: PermissionRef, where: string): Resolved[] {
    const id = typeof ref === "string" ? ref : ref.identifier;
    if (id === "core:default") return CORE_DEFAULT.flatMap((core) => this.#resolveRef(core, where));
    const parts = id.split(":");
    if (parts.length === 1) return this.#resolveApp(id, where, new Set());
    const pluginName = parts.length === 3 ? `${parts[0]}:${parts[1]}` : parts[0];
    const manifest = this.#manifests.get(pluginName);
    if (!manifest) {
      if (where) this.#options.warn?.(`${where}: "${id}" is a permission of a plugin Airlock does not have`);
      return [];
    }
    return this.#resolveIn(manifest, parts[parts.length - 1], where, new Set());
  }

  #resolveIn(manifest: PluginManifest, name: string, where: string, seen: Set<string>): Resolved[] {
    if (seen.has(name)) return [];
    seen.add(name);
    const id = `${manifest.name}:${name}`;
    const prefix = `plugin:${manifest.name.replace(/^core:/, "")}|`;
    if (name === "default") return manifest.default.flatMap((n) => this.#member(manifest, n, where, seen));
    const named = manifest.permissions?.[name];
    if (named) return [{ id, prefix, spec: named }];
    const set = manifest.sets?.[name];
    if (set) return set.flatMap((n) => this.#member(manifest, n, where, seen));
    const generated = /^(allow|deny)-(.+)$/.exec(name);
    const command = generated && manifest.commands.find((c) => kebab(c) === generated[2]);
    if (generated && command) {
      return [{ id, prefix, spec: generated[1] === "allow" ? { allow: [command] } : { deny: [command] } }];
    }
    throw new CapabilityError(`${where}: "${id}" is not a permission of the ${manifest.name} plugin`);
  }

  /** A set's member: a name of the same plugin, or a full identifier of another. */
  #member(manifest: PluginManifest, name: string, where: string, seen: Set<string>): Resolved[] {
    return name.includes(":") ? this.#resolveRef(name, where) : this.#resolveIn(manifest, name, where, seen);
  }

  #resolveApp(name: string, where: string, seen: Set<string>): Resolved[] {
    if (seen.has(name)) return [];
    seen.add(name);
    const named = this.#app.permissions[name];
    if (named) return [{ id: name, prefix: "", spec: named }];
    const set = name === "default" ? this.#app.default : this.#app.sets[name];
    if (set) {
      return set.flatMap((n) =>
        n.includes(":") ? this.#resolveRef(n, where) : this.#resolveApp(n, where, seen)
      );
    }
    throw new CapabilityError(
      `${where}: "${name}" is neither a plugin permission ("<plugin>:<name>") nor one of the app's ` +
        `permissions (permissions/*.toml)`,
    );
  }
}

/** What one window's capabilities grant, gathered. */
class Grants {
  readonly capabilities: string[] = [];
  readonly allowed = new Set<string>();
  /** Denied command → the permission that denies it. */
  readonly denied = new Map<string, string>();
  readonly commandScopes = new Map<string, Scope>();
  /** Plugin prefix → the scope its command-less permissions give all its commands. */
  readonly pluginScopes = new Map<string, Scope>();

  add(resolved: Resolved, extra: Scope | null): void {
    const { prefix, spec, id } = resolved;
    const scope = {
      allow: [...spec.scope?.allow ?? [], ...extra?.allow ?? []],
      deny: [...spec.scope?.deny ?? [], ...extra?.deny ?? []],
    };
    for (const command of spec.deny ?? []) this.denied.set(prefix + command, id);
    const commands = spec.allow ?? [];
    for (const command of commands) {
      this.allowed.add(prefix + command);
      merge(this.commandScopes, prefix + command, scope);
    }
    if (!commands.length && !spec.deny?.length) merge(this.pluginScopes, prefix, scope);
  }
}

function merge(map: Map<string, Scope>, key: string, scope: Scope): void {
  const into = map.get(key) ?? { allow: [], deny: [] };
  into.allow.push(...scope.allow);
  into.deny.push(...scope.deny);
  map.set(key, into);
}

export class WindowPolicy {
  readonly #label: string;
  readonly #grants: Grants | null;
  readonly #policy: Policy;
  readonly #scopes = new Map<string, Scope>();

  readonly #as: string;

  constructor(label: string, grants: Grants | null, policy: Policy, as = label) {
    this.#label = label;
    this.#grants = grants;
    this.#policy = policy;
    this.#as = as;
  }

  /** How the refusal names the window: its label, and whose capabilities it has when not its own. */
  get #who(): string {
    return this.#as === this.#label
      ? `window "${this.#label}"`
      : `window "${this.#label}" (opened by a page of "${this.#as}", whose capabilities it has)`;
  }

  /** Whether this window may run `cmd`, and with which scope. */
  check(cmd: string): Decision {
    const grants = this.#grants;
    if (!grants) return OPEN;
    const owner = this.#policy.manifestOf(cmd);
    if (owner === null) return { allowed: true, scope: this.#scopeOf(cmd, "") };
    const deniedBy = grants.denied.get(cmd);
    if (deniedBy) {
      return { allowed: false, reason: `${cmd} is denied for ${this.#who} by ${deniedBy}` };
    }
    if (!grants.allowed.has(cmd)) {
      const granters = this.#policy.grantersOf(owner.manifest, owner.command).slice(0, 8);
      const which = grants.capabilities.length
        ? `none of its capabilities (${grants.capabilities.join(", ")}) grants it`
        : "no capability applies to this window";
      const hint = granters.length ? `; permissions that would: ${granters.join(", ")}` : "";
      return { allowed: false, reason: `${cmd} not allowed for ${this.#who}: ${which}${hint}` };
    }
    return { allowed: true, scope: this.#scopeOf(cmd, owner.prefix) };
  }

  #scopeOf(cmd: string, prefix: string): Scope {
    let scope = this.#scopes.get(cmd);
    if (!scope) {
      const own = this.#grants!.commandScopes.get(cmd);
      const plugin = this.#grants!.pluginScopes.get(prefix);
      scope = {
        allow: [...own?.allow ?? [], ...plugin?.allow ?? []],
        deny: [...own?.deny ?? [], ...plugin?.deny ?? []],
      };
      this.#scopes.set(cmd, scope);
    }
    return scope;
  }
}

/** Whether a capability applies to a window: its label matches windows or webviews, on Linux, locally. */
function appliesTo(capability: Capability, label: string): boolean {
  if (capability.platforms && !capability.platforms.includes("linux")) return false;
  if (!capability.local) return false;
  return [...capability.windows, ...capability.webviews].some((glob) => globMatch(glob, label));
}

/** Tauri's label globs: `*` any run of characters, `?` one. */
export function globMatch(glob: string, label: string): boolean {
  const pattern = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
  return new RegExp(`^${pattern}$`).test(label);
}

/** Manifests for the app's own plugins, from the "plugin:<name>|<command>" commands of its commands
 * module: each command gets Tauri's allow-/deny- permissions, and `<name>:default` grants nothing. */
export function appPluginManifests(commands: string[]): PluginManifest[] {
  const byPlugin = new Map<string, string[]>();
  for (const cmd of commands) {
    const match = /^plugin:([^|]+)\|(.+)$/.exec(cmd);
    if (match) byPlugin.set(match[1], [...byPlugin.get(match[1]) ?? [], match[2]]);
  }
  return [...byPlugin].map(([name, list]) => ({ name, commands: list, default: [] }));
}
