// `deno task dev`: watch the app's folders while the window is open. A frontend change reloads the page; an
// isolation app change rebuilds it and reloads only the isolation frame (a new key and handshake). A
// build error is printed and shown over the page, and the last good build keeps serving: never a crash.
import { IsolationBuildError } from "../isolation/document.ts";
import type { AppHandle } from "./app.ts";

export interface DevWatcher {
  close(): void;
}

export interface DevOptions {
  log?: (line: string) => void;
  /** Changes closer together than this are one change (editors write files in several steps). */
  debounceMs?: number;
}

export function watchApp(app: AppHandle, options: DevOptions = {}): DevWatcher {
  const log = options.log ?? ((line: string) => console.log(line));
  const debounceMs = options.debounceMs ?? 120;
  const watchers: Deno.FsWatcher[] = [];
  let buildError: string | null = null;
  let closed = false;

  const onFrontendChange = async (paths: string[]) => {
    await app.reload();
    log(`airlock: ${describe(paths)} changed: page reloaded`);
    // The overlay lived in the old document; the error it reported still stands.
    if (buildError !== null) await app.showOverlay(buildError);
  };

  const onIsolationChange = async (paths: string[]) => {
    try {
      const built = await app.rebuildIsolation();
      if (buildError !== null) await app.showOverlay(null);
      buildError = null;
      log(
        `airlock: ${
          describe(paths)
        } changed: isolation app rebuilt (${built.files.length} files), new session`,
      );
    } catch (error) {
      if (!(error instanceof IsolationBuildError)) throw error;
      buildError = error.message;
      log(`airlock: isolation build failed, still serving the last good build: ${error.message}`);
      await app.showOverlay(error.message);
    }
  };

  const watch = (dir: string, onChange: (paths: string[]) => Promise<void>) => {
    const watcher = Deno.watchFs(dir, { recursive: true });
    watchers.push(watcher);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let changed = new Set<string>();
    // What each file held when it last caused a reload: an editor's second write of the same bytes (or a
    // touch) is no change.
    const seen = new Map<string, string>();
    // One change handled at a time, in order: a reload must not overlap the next one.
    let running: Promise<void> = Promise.resolve();
    (async () => {
      for await (const event of watcher) {
        if (event.kind === "access" || event.kind === "other") continue;
        event.paths.filter((path) => !isEditorScratch(path)).forEach((path) => changed.add(path));
        if (!changed.size) continue;
        clearTimeout(timer);
        timer = setTimeout(() => {
          const paths = [...changed];
          changed = new Set();
          running = running.then(async () => {
            if (closed || !await changedContent(paths, seen)) return;
            await onChange(paths);
          }).catch((error) => {
            log(`airlock: reload failed: ${(error as Error)?.message ?? error}`);
          });
        }, debounceMs);
      }
      clearTimeout(timer);
    })();
  };

  // A dev server (build.devUrl) reloads its own pages (HMR).
  if (app.config.devServer.url === null) watch(app.config.frontendDir, onFrontendChange);
  if (app.config.pattern.use === "isolation") watch(app.config.pattern.dir, onIsolationChange);
  app.closed.then(() => close());

  const close = () => {
    if (closed) return;
    closed = true;
    for (const watcher of watchers) watcher.close();
  };
  return { close };
}

/** "a.js, b.css and 2 more": the changed files' names, each once. */
export function describe(paths: string[]): string {
  const names = [...new Set(paths.map((path) => path.split(/[\\/]/).pop()))];
  return names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ");
}

/** Files editors write beside the one being saved (swap, backup, lock and temp files): never a change. */
const SCRATCH = new RegExp(
  "^(?:" + [
    "\\..+\\.sw[a-px]", // vim's swap files (and its .swx probe)
    "4913", // vim's probe of whether it may write in the folder
    ".+~", // backups (vim, emacs, gedit)
    "\\.#.+", // emacs's locks
    "#.+#", // emacs's auto-saves
    ".+\\.kate-swp",
    ".+___jb_(?:tmp|old)___", // JetBrains' safe write
    "\\.goutputstream-.+", // GIO's (gedit's) atomic replace
    ".+\\.(?:tmp|temp|bak|crswap|airlock-tmp)",
    "\\.DS_Store",
  ].join("|") + ")$",
  "i",
);

/** Whether `path` names an editor's scratch file rather than a file of the app. */
export function isEditorScratch(path: string): boolean {
  return SCRATCH.test(path.split(/[\\/]/).pop() ?? "");
}

/** Whether any of `paths` holds something other than when last seen (and remembers what they hold). */
export async function changedContent(paths: string[], seen: Map<string, string>): Promise<boolean> {
  let changed = false;
  for (const path of paths) {
    const digest = await fingerprint(path);
    if (seen.get(path) !== digest) changed = true;
    seen.set(path, digest);
  }
  return changed;
}

async function fingerprint(path: string): Promise<string> {
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) return info.isDirectory ? "folder" : "other";
    const hash = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
    return Array.from(new Uint8Array(hash), (byte) => byte.toString(16).padStart(2, "0")).join("");
  } catch {
    return "gone";
  }
}
