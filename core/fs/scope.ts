// The fs plugin's scopes from capabilities: `{ "path": "<glob>" }` entries (or bare strings, as Tauri takes
// them too), allow and deny, with Tauri's path variables ($APPDATA, $HOME, …) and Tauri's glob rules
// (tauri's scope/fs.rs, the `glob` crate with require_literal_separator and, on Unix,
// require_literal_leading_dot): `*`, `?` and `[…]` stay within one path component and never match a
// leading dot; `**` as a whole component matches any depth (as the last component: at least one level, so
// "$APPDATA/**" does not cover "$APPDATA" itself, which Tauri's permissions therefore list beside it).
import { posix } from "node:path";
import type { Scope, ScopeEntry } from "../permissions.ts";
import { BaseDirectory } from "../plugins/path.ts";

/** Tauri's path variables and the BaseDirectory each stands for (tauri's BaseDirectory::from_variable). */
export const PATH_VARIABLES: Record<string, number> = {
  $AUDIO: BaseDirectory.Audio,
  $CACHE: BaseDirectory.Cache,
  $CONFIG: BaseDirectory.Config,
  $DATA: BaseDirectory.Data,
  $LOCALDATA: BaseDirectory.LocalData,
  $DOCUMENT: BaseDirectory.Document,
  $DOWNLOAD: BaseDirectory.Download,
  $PICTURE: BaseDirectory.Picture,
  $PUBLIC: BaseDirectory.Public,
  $VIDEO: BaseDirectory.Video,
  $RESOURCE: BaseDirectory.Resource,
  $TEMP: BaseDirectory.Temp,
  $APPCONFIG: BaseDirectory.AppConfig,
  $APPDATA: BaseDirectory.AppData,
  $APPLOCALDATA: BaseDirectory.AppLocalData,
  $APPCACHE: BaseDirectory.AppCache,
  $APPLOG: BaseDirectory.AppLog,
  $HOME: BaseDirectory.Home,
  $DESKTOP: BaseDirectory.Desktop,
  $EXE: BaseDirectory.Executable,
  $FONT: BaseDirectory.Font,
  $RUNTIME: BaseDirectory.Runtime,
  $TEMPLATE: BaseDirectory.Template,
};

/** One glob, compiled: `root` is its longest literal folder (where matching paths can be), `test` matches
 * an absolute, normalised path. */
export interface PathPattern {
  source: string;
  root: string;
  test(path: string): boolean;
}

/** The path an entry names, or null when it names none Tauri would take (not a string/{path}, an unknown
 * variable such as $LOG, a folder this machine does not have, a relative path). */
export function entryPath(entry: ScopeEntry | string, resolveDirectory: (directory: number) => string) {
  const raw = typeof entry === "string" ? entry : entry?.path;
  if (typeof raw !== "string" || raw === "" || raw.includes("\0")) return null;
  const parts = raw.split("/");
  if (parts[0].startsWith("$")) {
    const directory = PATH_VARIABLES[parts[0]];
    if (directory === undefined) return null;
    try {
      parts[0] = escapeGlob(resolveDirectory(directory));
    } catch {
      return null; // e.g. $RUNTIME without XDG_RUNTIME_DIR: Tauri drops the entry too
    }
  }
  // As Tauri's PathResolver::parse: ".." components are dropped, not followed.
  const path = parts.filter((part, i) => part !== ".." && part !== "." && (i === 0 || part !== "")).join("/");
  return posix.isAbsolute(path) ? path : null;
}

export function compilePattern(source: string): PathPattern {
  const components = source.split("/").slice(1);
  const literal: string[] = [];
  for (const component of components) {
    if (/[*?[]/.test(component)) break;
    literal.push(unescapeGlob(component));
  }
  const matchers = components.map(componentMatcher);
  const root = "/" + (literal.length === components.length ? literal.slice(0, -1) : literal).join("/");
  return {
    source,
    root,
    test: (path) => matchComponents(matchers, path === "/" ? [] : path.split("/").slice(1)),
  };
}

type Matcher = "**" | RegExp;

function componentMatcher(component: string): Matcher {
  if (component === "**") return "**";
  let regex = "";
  for (let i = 0; i < component.length; i++) {
    const c = component[i];
    if (c === "*") regex += "[^/]*";
    else if (c === "?") regex += "[^/]";
    else if (c === "[") {
      const end = component.indexOf("]", i + 2);
      if (end < 0) {
        regex += "\\[";
        continue;
      }
      let body = component.slice(i + 1, end);
      const negate = body.startsWith("!");
      if (negate) body = body.slice(1);
      regex += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      i = end;
    } else regex += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  // require_literal_leading_dot: a wildcard never matches a hidden component's dot.
  const wild = /^[*?[]/.test(component);
  return new RegExp(`^${wild ? "(?!\\.)" : ""}${regex}$`, "su");
}

function matchComponents(matchers: Matcher[], parts: string[]): boolean {
  const go = (m: number, p: number): boolean => {
    if (m === matchers.length) return p === parts.length;
    const matcher = matchers[m];
    if (matcher === "**") {
      const last = m === matchers.length - 1;
      for (let q = p + (last ? 1 : 0); q <= parts.length; q++) {
        if (q > p && parts[q - 1].startsWith(".")) break; // ** does not enter hidden components either
        if (go(m + 1, q)) return true;
      }
      return false;
    }
    return p < parts.length && matcher.test(parts[p]) && go(m + 1, p + 1);
  };
  return go(0, 0);
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]]/g, "[$&]");
}

function unescapeGlob(text: string): string {
  return text.replace(/\[([*?[\]])\]/g, "$1");
}

/** A capability scope as the fs commands apply it: deny wins, then some allow must match. */
export class FsCapabilityScope {
  readonly allow: PathPattern[];
  readonly deny: PathPattern[];

  /** Entries as capabilities write them: `{ path }` objects, or bare path strings (Tauri takes both). */
  constructor(
    scope: Scope | { allow?: (ScopeEntry | string)[]; deny?: (ScopeEntry | string)[] },
    resolveDirectory: (directory: number) => string,
  ) {
    const compile = (entries: (ScopeEntry | string)[]) =>
      entries.flatMap((entry) => {
        const path = entryPath(entry, resolveDirectory);
        return path === null ? [] : [compilePattern(path)];
      });
    this.allow = compile(scope.allow ?? []);
    this.deny = compile(scope.deny ?? []);
  }

  denies(path: string): boolean {
    return this.deny.some((pattern) => pattern.test(path));
  }

  allows(path: string): boolean {
    return !this.denies(path) && this.allow.some((pattern) => pattern.test(path));
  }
}
