// The core's own commands, under Tauri's plugin names so @tauri-apps/api calls them unchanged. They arrive
// like any app command: through the page's invoke, the isolation hook, the seal and the core's checks.
import type { AppConfig, WindowConfig } from "./config.ts";
import type { WindowEvents } from "./events.ts";
import type { Commands } from "./router.ts";
import { t } from "./schema.ts";
import { httpCommands } from "./plugins/http.ts";
import { ScopedFs } from "./fs.ts";
import { windowCommands, type WindowControl } from "./plugins/window.ts";
import { webviewCommands } from "./plugins/webview.ts";
import { pathCommands } from "./plugins/path.ts";
import { osCommands } from "./plugins/os.ts";
import { processCommands } from "./plugins/process.ts";

/** Command names that only the core may define. */
export const BUILTIN_PREFIX = "plugin:";
/** The plugins Airlock implements itself: their "plugin:<name>|…" commands are Airlock's alone. An app
 * may define commands of any other plugin name (its own plugins, as Tauri apps do). */
export const BUILTIN_PLUGINS = ["app", "event", "fs", "http", "path", "webview", "window", "os", "process"];

/** The plugin a command belongs to ("fs" for "plugin:fs|read_file"), or null for an app command. */
export function pluginOf(cmd: string): string | null {
  const match = /^plugin:([^|]*)\|/.exec(cmd);
  return match ? match[1] : null;
}

/** Whether `cmd` belongs to one of Airlock's own plugins. */
export const isBuiltin = (cmd: string): boolean => BUILTIN_PLUGINS.includes(pluginOf(cmd) ?? "");

export interface WindowControls {
  label: string;
  /** Aborted when the window closes: its page's requests are cancelled with it. */
  signal: AbortSignal;
  /** The app's open windows (the window plugin acts on the caller's own). */
  windows: {
    labels(): string[];
    get(label: string): WindowControl | undefined;
    open(spec: WindowConfig): Promise<unknown>;
  };
}

export function builtinCommands(config: AppConfig, events: WindowEvents, window: WindowControls): Commands {
  // The page's file calls: a path (relative to the scope named by baseDir, or absolute inside a scope).
  const fs = new ScopedFs(config.fs);
  const path = { path: t.string({ max: 4096 }), baseDir: t.optional(t.string()) };
  const oneFile = t.object(path);
  const recursive = t.object({ ...path, recursive: t.optional(t.boolean()) });
  const text = t.object({ ...path, contents: t.string() });
  const bytes = t.object({ ...path, contents: t.bytes() });
  // A file larger than a message may be is refused before it is read into memory.
  const fitsAnAnswer = async (path: string, base?: string) => {
    const { size } = await fs.stat(path, base);
    const limit = config.limits.maxMessageBytes;
    if (size > limit) {
      throw new Error(`${path} is too large to send to the page (${size} bytes, limit ${limit})`);
    }
  };
  const fsCommand =
    <T>(schema: { parse(value: unknown, where: string): T }, run: (args: T) => unknown) => (args: unknown) =>
      run(schema.parse(args, "args"));
  const windowPlugin = windowCommands(
    window.label,
    window.windows,
    (theme) => void events.broadcast("tauri://theme-changed", theme),
  );
  return {
    ...events.commands(),
    "plugin:app|name": () => config.app.name,
    "plugin:app|version": () => config.app.version,
    "plugin:app|identifier": () => config.app.identifier,
    "plugin:app|tauri_version": () => "2.0.0-airlock",
    // As Tauri on Linux: showing and hiding the app is macOS's; no icon unless the app sets one.
    "plugin:app|app_show": () => null,
    "plugin:app|app_hide": () => null,
    "plugin:app|default_window_icon": () => null,
    "plugin:app|supports_multiple_windows": () => true,
    "plugin:app|bundle_type": () => null,
    // The app's theme is GTK's preference for every window: the window plugin's set_theme, for all.
    "plugin:app|set_app_theme": (args, context) =>
      windowPlugin["plugin:window|set_theme"](
        { value: (args as { theme?: unknown })?.theme ?? null },
        context,
      ),
    "plugin:fs|read_text_file": fsCommand(oneFile, async (a) => {
      await fitsAnAnswer(a.path, a.baseDir);
      return fs.readTextFile(a.path, a.baseDir);
    }),
    "plugin:fs|read_file": fsCommand(oneFile, async (a) => {
      await fitsAnAnswer(a.path, a.baseDir);
      return fs.readFile(a.path, a.baseDir);
    }),
    "plugin:fs|write_text_file": fsCommand(text, (a) => fs.writeTextFile(a.path, a.contents, a.baseDir)),
    "plugin:fs|write_file": fsCommand(bytes, (a) => fs.writeFile(a.path, a.contents, a.baseDir)),
    "plugin:fs|read_dir": fsCommand(oneFile, (a) => fs.readDir(a.path, a.baseDir)),
    "plugin:fs|mkdir": fsCommand(recursive, (a) => fs.mkdir(a.path, { recursive: a.recursive }, a.baseDir)),
    "plugin:fs|remove": fsCommand(recursive, (a) => fs.remove(a.path, { recursive: a.recursive }, a.baseDir)),
    "plugin:fs|stat": fsCommand(oneFile, (a) => fs.stat(a.path, a.baseDir)),
    "plugin:fs|exists": fsCommand(oneFile, (a) => fs.exists(a.path, a.baseDir)),
    // http.ts checks every field itself: the request comes from the page.
    ...httpCommands({
      policy: config.http,
      signal: window.signal,
      maxMessageBytes: config.limits.maxMessageBytes,
    }),
    ...windowPlugin,
    ...webviewCommands(window.label, {
      allowPageWindows: config.allowPageWindows,
      title: config.app.title,
      labels: () => window.windows.labels(),
      open: (spec) => window.windows.open(spec),
    }),
    ...pathCommands({ identifier: config.app.identifier, resourceDir: config.baseDir }),
    ...osCommands(),
    ...processCommands(config),
  };
}
