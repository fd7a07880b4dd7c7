// The fs plugin's permissions, as tauri-plugin-fs declares them (permissions/*.toml, and the per-base-directory
// ones its build script generates), so a Tauri app's capability files name the same things here.
import type { PermissionSpec, PluginManifest, ScopeEntry } from "../permissions.ts";

/** The path variables tauri-plugin-fs generates scope-/allow- permissions for (its build.rs list). */
export const FS_BASE_DIRECTORY_VARIABLES = [
  "AUDIO",
  "CACHE",
  "CONFIG",
  "DATA",
  "LOCALDATA",
  "DESKTOP",
  "DOCUMENT",
  "DOWNLOAD",
  "EXE",
  "FONT",
  "HOME",
  "PICTURE",
  "PUBLIC",
  "RUNTIME",
  "TEMPLATE",
  "VIDEO",
  "RESOURCE",
  "LOG",
  "TEMP",
  "APPCONFIG",
  "APPDATA",
  "APPLOCALDATA",
  "APPCACHE",
  "APPLOG",
];

const READ_ALL = [
  "read_dir",
  "read_file",
  "read",
  "open",
  "read_text_file",
  "read_text_file_lines",
  "read_text_file_lines_next",
  "seek",
  "stat",
  "lstat",
  "fstat",
  "exists",
  "watch",
  "unwatch",
];
const WRITE_FILES = [
  "create",
  "copy_file",
  "remove",
  "rename",
  "truncate",
  "ftruncate",
  "write",
  "write_file",
  "write_text_file",
];
/** The plugin's commands (tauri-plugin-fs 2.x), each with its allow-/deny- permission. */
export const FS_COMMANDS = [
  "mkdir",
  ...WRITE_FILES,
  ...READ_ALL,
  "size",
  "start_accessing_security_scoped_resource",
  "stop_accessing_security_scoped_resource",
];
const READ_META = ["read_dir", "stat", "lstat", "fstat", "exists", "size"];
const APP_VARIABLES = ["APPCONFIG", "APPDATA", "APPLOCALDATA", "APPCACHE", "APPLOG"];

const paths = (...list: string[]): ScopeEntry[] => list.map((path) => ({ path }));
/** The three scopes of a folder (or folders): itself; it and its entries; it and everything below. */
const folderScopes = (variables: string[]) => ({
  index: { scope: { allow: paths(...variables.map((v) => `$${v}`)) } },
  flat: { scope: { allow: paths(...variables.flatMap((v) => [`$${v}`, `$${v}/*`])) } },
  recursive: { scope: { allow: paths(...variables.flatMap((v) => [`$${v}`, `$${v}/**`])) } },
});

/** scope-<name>[-recursive|-index] and the allow-<name>-{read,write,meta}[-recursive] sets that pair them
 * with read-all / write-all / read-meta, as tauri-plugin-fs generates them per folder. */
function folderPermissions(name: string, variables: string[]) {
  const scopes = folderScopes(variables);
  const permissions: Record<string, PermissionSpec> = {
    [`scope-${name}`]: scopes.flat,
    [`scope-${name}-recursive`]: scopes.recursive,
    [`scope-${name}-index`]: scopes.index,
  };
  const sets: Record<string, string[]> = {
    [`allow-${name}-read-recursive`]: ["read-all", `scope-${name}-recursive`],
    [`allow-${name}-write-recursive`]: ["write-all", `scope-${name}-recursive`],
    [`allow-${name}-read`]: ["read-all", `scope-${name}`],
    [`allow-${name}-write`]: ["write-all", `scope-${name}`],
    [`allow-${name}-meta-recursive`]: ["read-meta", `scope-${name}-recursive`],
    [`allow-${name}-meta`]: ["read-meta", `scope-${name}-index`],
  };
  return { permissions, sets };
}

function buildManifest(): PluginManifest {
  const permissions: Record<string, PermissionSpec> = {
    "read-all": { allow: READ_ALL },
    "write-all": { allow: ["mkdir", ...WRITE_FILES] },
    "read-files": { allow: READ_ALL.filter((c) => c !== "read_dir" && c !== "watch" && c !== "unwatch") },
    "write-files": { allow: WRITE_FILES },
    "read-dirs": { allow: ["read_dir", "stat", "lstat", "fstat", "exists"] },
    "read-meta": { allow: READ_META },
    // An empty permission whose scope entries (given in the capability) apply to the whole plugin.
    "scope": {},
    // Written by hand in the plugin: writing a file may go through a file handle.
    "allow-write-file": { allow: ["write_file", "open", "write"] },
    // Linux keeps the webview's data in $APPLOCALDATA (on Linux the same folder as $APPDATA), Windows in
    // $APPLOCALDATA/EBWebView.
    "deny-webview-data-linux": { scope: { deny: paths("$APPLOCALDATA/**") } },
    "deny-webview-data-windows": { scope: { deny: paths("$APPLOCALDATA/EBWebView/**") } },
  };
  const sets: Record<string, string[]> = {
    "deny-default": ["deny-webview-data-linux", "deny-webview-data-windows"],
    "create-app-specific-dirs": ["allow-mkdir", "scope-app-index"],
    "read-app-specific-dirs-recursive": [
      "allow-read-dir",
      "allow-read-file",
      "allow-read-text-file",
      "allow-read-text-file-lines",
      "allow-read-text-file-lines-next",
      "allow-exists",
      "scope-app-recursive",
    ],
  };
  const folders: [string, string[]][] = [
    ["app", APP_VARIABLES],
    ...FS_BASE_DIRECTORY_VARIABLES.map((v): [string, string[]] => [v.toLowerCase(), [v]]),
  ];
  for (const [name, variables] of folders) {
    const folder = folderPermissions(name, variables);
    Object.assign(permissions, folder.permissions);
    Object.assign(sets, folder.sets);
  }
  return {
    name: "fs",
    commands: FS_COMMANDS,
    permissions,
    sets,
    default: ["create-app-specific-dirs", "read-app-specific-dirs-recursive", "deny-default"],
  };
}

/** What capabilities may grant of the fs plugin ("fs:default", "fs:allow-appdata-read-recursive", …). */
export const FS_MANIFEST: PluginManifest = buildManifest();
