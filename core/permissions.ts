// What a plugin lets capabilities grant, in Tauri v2's terms: each command has an `allow-<command>` and a
// `deny-<command>` permission of its own; a plugin adds named permissions (commands and/or a scope) and
// sets of them, and says which it grants by `default`. A capability names these as "<plugin>:<name>"
// ("fs:allow-read-text-file", "fs:default"; Tauri's core plugins as "core:window:allow-set-title").

/** One scope entry as the capability writes it (`{ "path": "$APPDATA/**" }`, `{ "url": "…" }`): the
 * plugin whose command runs reads it, as Tauri leaves a scope's shape to its plugin. */
export type ScopeEntry = Record<string, unknown>;

export interface Scope {
  allow: ScopeEntry[];
  deny: ScopeEntry[];
}

/** A permission a plugin defines beside its per-command ones. */
export interface PermissionSpec {
  /** Commands (as the plugin names them: "read_text_file") this permission allows. */
  allow?: string[];
  /** Commands it denies (a deny anywhere wins over every allow). */
  deny?: string[];
  /** Its scope: for the permission's commands when it has some, for all the plugin's otherwise. */
  scope?: Partial<Scope>;
}

/** What a plugin declares (beside its commands); the names are Tauri's, so capability files carry over. */
export interface PluginManifest {
  /** "fs", or "core:window" for Tauri's core plugins. */
  name: string;
  /** The plugin's command names ("read_text_file"); each gets allow-/deny- permissions. */
  commands: string[];
  /** Named permissions ("read-all", "scope-appdata-recursive"). */
  permissions?: Record<string, PermissionSpec>;
  /** Named sets of permissions of this plugin (names without the plugin prefix). */
  sets?: Record<string, string[]>;
  /** What "<name>:default" grants: permission or set names of this plugin. */
  default: string[];
}

/** allow-read-text-file for read_text_file, as Tauri's build derives it. */
export const kebab = (command: string): string => command.replaceAll("_", "-");
