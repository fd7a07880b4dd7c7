// `deno task dev` as a whole: the app, the watcher of its frontend and isolation folders (host/dev.ts), and
// a restart of the core side when what the core is made of changes — the config, the capability files next
// to it, the commands module or any local file it imports. A restart re-reads the config, imports the
// commands module afresh, closes the app's windows (running the old setup's cleanup) and launches the app
// again, saying so in one line. A broken config or commands module is reported in one line and the running
// app is left as it is, to be restarted by the next change.
import { basename, dirname, join, resolve } from "node:path";
import { type AppHandle, type AppSetup, launch, type LaunchOptions } from "./app.ts";
import { startDevServer } from "./dev_server.ts";
import { changedContent, describe, type DevWatcher, isEditorScratch, watchApp } from "./dev.ts";
import { ConfigError, loadConfig } from "../core/config.ts";
import type { Commands } from "../core/router.ts";

/** How the session loads the commands module (build/commands_module.ts in the CLI). */
export interface CommandsLoader {
  /** `fresh`: a new copy of the module and of the local files it imports. */
  load(file: string, fresh: boolean): Promise<{ commands: Commands; setup?: AppSetup }>;
  /** The local files the module is made of. */
  inputs(file: string): Promise<string[]>;
}

export interface DevSessionOptions {
  configFile: string;
  /** The commands module named on the command line (else the config's `airlock.commands`). */
  commandsFile?: string;
  commands: CommandsLoader;
  /** The rest of what launch() gets (console, devtools, automation, ...). */
  launch?: Omit<LaunchOptions, "config" | "commands" | "setup" | "embedded">;
  log?: (line: string) => void;
  /** Also print the isolation build's report at each start. */
  verbose?: boolean;
  debounceMs?: number;
  /** Where a build.beforeDevCommand's output goes: the terminal, or each line to `log`. */
  devServerOutput?: "inherit" | "log";
}

export interface DevSession {
  /** The app as it runs now (a new one after each restart). */
  readonly app: AppHandle | null;
  /** How many times the core side has been restarted. */
  readonly restarts: number;
  /** Settles when the user has closed the app's first window (not when a restart closes it). */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

/** Starts the app in dev mode; rejects (with the one-line error) if it cannot start at all. */
export async function startDev(options: DevSessionOptions): Promise<DevSession> {
  const log = options.log ?? ((line: string) => console.log(line));
  const debounceMs = options.debounceMs ?? 120;
  const configFile = resolve(options.configFile);
  const capabilitiesDir = join(dirname(configFile), "capabilities");
  let app: AppHandle | null = null;
  let appWatcher: DevWatcher | null = null;
  let coreWatchers: Deno.FsWatcher[] = [];
  let restarts = 0;
  let closed = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => finish = resolve);

  /** The config, the commands module and what it is made of: what a restart needs to know. */
  const prepare = async (fresh: boolean) => {
    // What the files hold when they are read (the config and capability files just before, the commands
    // module's just after): what later changes are measured against, those made before the watchers exist
    // included (watchCore).
    const before = new Map<string, string>();
    await changedContent([configFile, ...filesIn(capabilitiesDir)], before);
    const config = await loadConfig(configFile);
    const commandsFile = options.commandsFile ? resolve(options.commandsFile) : config.commandsModule;
    const module = commandsFile ? await options.commands.load(commandsFile, fresh) : { commands: {} };
    let inputs: string[] = [];
    if (commandsFile) {
      inputs = await options.commands.inputs(commandsFile).catch((error) => {
        log(
          `airlock: only ${basename(commandsFile)} itself is watched (${(error as Error)?.message ?? error})`,
        );
        return [commandsFile];
      });
    }
    await changedContent(inputs, before);
    return { config, module, inputs, before };
  };

  const start = async (prepared: Awaited<ReturnType<typeof prepare>>) => {
    const next = await launch({
      ...options.launch,
      config: configFile,
      commands: prepared.module.commands,
      setup: prepared.module.setup,
    });
    app = next;
    next.closed.then(() => {
      if (app === next && !closed) finish();
    });
    if (options.verbose) { for (const line of next.isolation?.report ?? []) log(`airlock: ${line}`); }
    appWatcher = watchApp(next, { log, debounceMs });
    watchCore(prepared.inputs, prepared.before);
    return next;
  };

  const stop = async () => {
    appWatcher?.close();
    appWatcher = null;
    const old = app;
    app = null;
    if (old) await Promise.all(old.windows().map((window) => window.close()));
  };

  let running: Promise<void> = Promise.resolve();
  const restart = (paths: string[]) => {
    running = running.then(async () => {
      if (closed) return;
      const changed = describe(paths);
      let prepared;
      try {
        prepared = await prepare(true);
      } catch (error) {
        log(`airlock: ${changed} changed, not restarted: ${oneLine(error)}`);
        return;
      }
      await stop();
      try {
        const next = await start(prepared);
        restarts++;
        const windows = next.windows().length;
        log(
          `airlock: ${changed} changed: core restarted (config re-read, ${
            Object.keys(prepared.module.commands).length
          } commands imported afresh, ${windows} window${windows === 1 ? "" : "s"} reopened)`,
        );
      } catch (error) {
        log(
          `airlock: ${changed} changed, restart failed (the app stays closed until the next change): ${
            oneLine(error)
          }`,
        );
        // Still watch what the core is made of, to try again.
        watchCore(prepared.inputs, prepared.before);
      }
    });
  };

  /** Watches the config, the capability files and the commands module's files (their folders, so an
   * editor's save by rename is seen). */
  const watchCore = (inputs: string[], before: Map<string, string>) => {
    for (const watcher of coreWatchers) watcher.close();
    coreWatchers = [];
    const files = new Set([configFile, ...inputs]);
    const capabilities = capabilitiesDir;
    const folders = new Set([...files].map((file) => dirname(file)));
    const relevant = (path: string) =>
      !isEditorScratch(path) &&
      (files.has(path) || path === capabilities || path.startsWith(capabilities + "/"));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let changed = new Set<string>();
    // What the files held when read: saving one unchanged restarts nothing.
    const seen = before;
    const watch = (paths: string[], recursive: boolean) => {
      const watcher = Deno.watchFs(paths, { recursive });
      coreWatchers.push(watcher);
      (async () => {
        for await (const event of watcher) {
          if (event.kind === "access" || event.kind === "other") continue;
          const paths = event.paths.filter(relevant);
          if (!paths.length) continue;
          paths.forEach((path) => changed.add(path));
          clearTimeout(timer);
          timer = setTimeout(async () => {
            const paths = [...changed];
            changed = new Set();
            if (await changedContent(paths, seen)) restart(paths);
          }, debounceMs);
        }
        clearTimeout(timer);
      })();
    };
    watch([...folders], false);
    if (isFolder(capabilities)) watch([capabilities], true);
    // Changed while the app was being read and started (a folder and its files made in one go): seen by
    // no watcher, so restart once more.
    const candidates = [...new Set([...files, ...filesIn(capabilities)])];
    const held = new Map(seen);
    void changedContent(candidates, seen).then((changed) => {
      if (changed) restart(candidates.filter((file) => seen.get(file) !== held.get(file)));
    });
  };

  const first = await prepare(false);
  // build.devUrl (+ beforeDevCommand): started once, for the whole session; pages come from it.
  const devServer = await startDevServer(first.config.devServer, { log, output: options.devServerOutput });
  let started;
  try {
    started = await start(first);
  } catch (error) {
    await devServer?.stop();
    throw error;
  }
  log(
    `airlock: ${first.config.app.name} is running (${
      Object.keys(first.module.commands).length
    } commands); a change reloads the page, rebuilds the isolation app or restarts the core; ` +
      `close the window to quit`,
  );
  void started;

  return {
    get app() {
      return app;
    },
    get restarts() {
      return restarts;
    },
    done,
    async close() {
      if (closed) return;
      closed = true;
      for (const watcher of coreWatchers) watcher.close();
      await running;
      await stop();
      await devServer?.stop();
      finish();
    },
  };
}

function filesIn(dir: string): string[] {
  if (!isFolder(dir)) return [];
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...filesIn(path));
    else out.push(path);
  }
  return out;
}

function isFolder(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function oneLine(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  return String((error as Error)?.message ?? error).split("\n")[0];
}
