// Tauri's opener plugin (@tauri-apps/plugin-opener): openUrl, openPath and revealItemInDir hand a URL or a
// file to the desktop's opener (`xdg-open`, or `gio open` where xdg-open is missing), only what the
// calling window's scope allows, by Tauri's rules: `{ url }` globs and `{ path }` globs (Tauri's path
// variables), each with its `app` (absent: the default opener only; true: any `with`; a name: that one),
// deny wins. An app without capabilities gets opener:default's scope (http(s), mailto: and tel: URLs; no
// paths). `openExternal` applies the same rules for the core's own navigation handling.
import { dirname, posix } from "node:path";
import type { PluginManifest, Scope, ScopeEntry } from "../permissions.ts";
import type { Commands } from "../router.ts";
import { t } from "../schema.ts";
import { FsCapabilityScope } from "../fs/scope.ts";
import { type PathContext, resolveBaseDirectory } from "./path.ts";

/** opener:allow-default-urls, which opener:default grants. */
export const DEFAULT_URLS: Scope = {
  allow: [{ url: "mailto:*" }, { url: "tel:*" }, { url: "http://*" }, { url: "https://*" }],
  deny: [],
};

/** Rust's glob::Pattern with default options, as Tauri matches URL scopes: `*` also crosses `/`. */
function globMatches(glob: string, text: string): boolean {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[" && glob.indexOf("]", i + 2) > 0) {
      const end = glob.indexOf("]", i + 2);
      const body = glob.slice(i + 1, end);
      source += `[${body.startsWith("!") ? "^" + body.slice(1) : body}]`.replace(/\\/g, "\\\\");
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s").test(text);
}

/** Whether an entry's `app` lets `with` be used (Tauri's Application::matches). */
function appMatches(entry: ScopeEntry, withApp: string | undefined): boolean {
  const app = entry.app;
  if (app === undefined || app === null) return withApp === undefined;
  if (typeof app === "boolean") return app;
  return typeof app === "string" && app === withApp;
}

const forbidden = (kind: string, what: string, withApp?: string) =>
  new Error(`Not allowed to open ${kind} ${what}${withApp ? ` with ${withApp}` : ""}`);

/** Whether the scope lets `url` be opened (with `withApp`): no deny entry matches, some allow does. */
export function urlAllowed(scope: Scope | null, url: string, withApp?: string): boolean {
  const { allow, deny } = scope ?? DEFAULT_URLS;
  const matches = (entry: ScopeEntry) =>
    typeof entry.url === "string" && globMatches(entry.url, url) && appMatches(entry, withApp);
  return !deny.some(matches) && allow.some(matches);
}

/** The program that opens things here: xdg-open, else gio (`gio open …`). */
async function opener(): Promise<string[]> {
  const path = (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":").filter(Boolean);
  for (const [name, ...args] of [["xdg-open"], ["gio", "open"]]) {
    for (const dir of path) {
      try {
        const info = await Deno.stat(posix.join(dir, name));
        if (info.isFile && ((info.mode ?? 0) & 0o111)) return [posix.join(dir, name), ...args];
      } catch { /* not here */ }
    }
  }
  throw new Error("cannot open: neither xdg-open nor gio is installed");
}

/** Starts the opener (or the app named by `with`) on `target`, detached; resolves once it started. */
async function launch(target: string, withApp?: string): Promise<void> {
  const [program, ...args] = withApp ? [withApp] : await opener();
  const child = new Deno.Command(program, {
    args: [...args, target],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  child.status.catch(() => {});
}

/** A URL the opener may take: it parses, and is not an option to the opener. */
function checkedUrl(url: string): string {
  try {
    new URL(url);
  } catch {
    throw new Error(`${JSON.stringify(url)} is not a URL`);
  }
  return url;
}

/** Opens `url` in the system's handler for it if `scope` (a window's opener scope; null: no
 * capabilities, opener:default's) allows it; throws Tauri's "Not allowed to open url …" otherwise. */
export async function openExternal(url: string, scope: Scope | null): Promise<void> {
  checkedUrl(url);
  if (!urlAllowed(scope, url)) throw forbidden("url", url);
  await launch(url);
}

const urlArgs = t.object({ url: t.string({ max: 65536 }), with: t.optional(t.string({ max: 4096 })) });
const pathArgs = t.object({ path: t.string({ max: 4096 }), with: t.optional(t.string({ max: 4096 })) });
const revealArgs = t.object({ paths: t.array(t.string({ max: 4096 }), { max: 256 }) });

export function openerCommands(paths: PathContext): Commands {
  const resolve = (directory: number) => resolveBaseDirectory(directory, paths);
  return {
    "plugin:opener|open_url": async (raw, context) => {
      const { url, with: withApp } = urlArgs.parse(raw, "args");
      checkedUrl(url);
      if (!urlAllowed(context.scope, url, withApp)) throw forbidden("url", url, withApp);
      await launch(url, withApp);
      return null;
    },
    "plugin:opener|open_path": async (raw, context) => {
      const { path, with: withApp } = pathArgs.parse(raw, "args");
      if (!posix.isAbsolute(path) || path.includes("\0")) throw new Error(`${path} is not an absolute path`);
      const normal = posix.normalize(path);
      const scope = context.scope ?? { allow: [], deny: [] };
      const pathEntries = (entries: ScopeEntry[]) =>
        entries.filter((entry) => typeof entry.path === "string");
      const files = new FsCapabilityScope(
        { allow: pathEntries(scope.allow), deny: pathEntries(scope.deny) },
        resolve,
      );
      const app = pathEntries(scope.allow).some((entry) => appMatches(entry, withApp));
      if (!files.allows(normal) || !app) throw forbidden("path", path, withApp);
      await launch(normal, withApp);
      return null;
    },
    // As Tauri on Linux without a file manager's D-Bus service: the folder holding the item, opened.
    "plugin:opener|reveal_item_in_dir": async (raw) => {
      const { paths: items } = revealArgs.parse(raw, "args");
      if (items.length === 0) throw new Error("no paths to reveal");
      for (const item of items) {
        if (!posix.isAbsolute(item) || item.includes("\0")) {
          throw new Error(`${item} is not an absolute path`);
        }
        await Deno.lstat(item).catch(() => {
          throw new Error(`cannot reveal ${item}: it does not exist`);
        });
      }
      for (const folder of new Set(items.map((item) => dirname(posix.normalize(item))))) await launch(folder);
      return null;
    },
  };
}

/** plugins/opener/permissions: opener:default grants open_url, reveal_item_in_dir, open_dir and the
 * default URLs' scope (allow-default-urls); open_path needs a path scope of the app's own. */
export const OPENER_MANIFEST: PluginManifest = {
  name: "opener",
  commands: ["open_url", "open_path", "open_dir", "reveal_item_in_dir"],
  permissions: { "allow-default-urls": { scope: DEFAULT_URLS } },
  default: ["allow-open-url", "allow-reveal-item-in-dir", "allow-open-dir", "allow-default-urls"],
};
