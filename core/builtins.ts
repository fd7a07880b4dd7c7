// The core's own commands, under Tauri's plugin names so @tauri-apps/api calls them unchanged. They arrive
// like any app command: through the page's invoke, the isolation hook, the seal and the core's checks.
import type { AppConfig, WindowConfig } from "./config.ts";
import type { WindowEvents } from "./events.ts";
import type { Commands } from "./router.ts";
import { httpCommands } from "./plugins/http.ts";
import { ScopedFs } from "./fs.ts";
import { Resources } from "./resources.ts";
import { fsCommands } from "./plugins/fs.ts";
import { windowCommands, type WindowControl } from "./plugins/window.ts";
import { webviewCommands } from "./plugins/webview.ts";
import { pathCommands } from "./plugins/path.ts";
import { osCommands } from "./plugins/os.ts";
import { openerCommands } from "./plugins/opener.ts";
import { logCommands } from "./plugins/log.ts";
import { sqlCommands } from "./plugins/sql.ts";
import { closeAppResource } from "./plugins/app_state.ts";
import { storeCommands } from "./plugins/store.ts";
import { processCommands } from "./plugins/process.ts";
import { type Clipboard, clipboardCommands } from "./plugins/clipboard.ts";
import { dialogCommands, type Dialogs } from "./plugins/dialog.ts";
import { notificationCommands, type Notifier } from "./plugins/notification.ts";
import { menuCommands, type MenuSurface } from "./plugins/menu.ts";

/** Command names that only the core may define. */
export const BUILTIN_PREFIX = "plugin:";
/** The plugins Airlock implements itself: their "plugin:<name>|…" commands are Airlock's alone. An app
 * may define commands of any other plugin name (its own plugins, as Tauri apps do). */
export const BUILTIN_PLUGINS = [
  "app",
  "event",
  "fs",
  "http",
  "path",
  "webview",
  "window",
  "os",
  "process",
  "resources",
  "store",
  "sql",
  "log",
  "opener",
  "clipboard-manager",
  "dialog",
  "notification",
  "menu",
  "tray",
];

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
  /** The desktop's parts the host reaches through FFI (native/); absent without a desktop (the core's unit
   * tests), where their commands say so. */
  desktop?: Desktop;
}

export interface Desktop {
  clipboard?: Clipboard;
  /** The window's own dialogs, modal to it. */
  dialogs?: Dialogs;
  /** The desktop's notification service. */
  notifications?: Notifier;
  /** The window's menu bar and context menus. */
  menus?: MenuSurface;
}

export function builtinCommands(config: AppConfig, events: WindowEvents, window: WindowControls): Commands {
  // The page's file calls (Airlock's fs API and @tauri-apps/plugin-fs), and the handles they open.
  const resources = new Resources();
  window.signal.addEventListener("abort", () => resources.closeAll(), { once: true });
  const paths = { identifier: config.app.identifier, resourceDir: config.baseDir };
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
    ...fsCommands({
      fs: new ScopedFs(config.fs),
      maxReadBytes: config.limits.maxMessageBytes,
      paths,
      resources,
    }),
    // The window's resources, and the app's (a store is the whole app's, as Tauri keeps it).
    "plugin:resources|close": async (args) => {
      const rid = (args as { rid?: unknown })?.rid;
      if (!await closeAppResource(config, rid)) await resources.close(rid);
    },
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
    ...pathCommands(paths),
    ...osCommands(),
    ...openerCommands({ identifier: config.app.identifier, resourceDir: config.baseDir }),
    ...logCommands(config, events),
    ...sqlCommands(config),
    ...storeCommands(config, events),
    ...processCommands(config),
    ...clipboardCommands(window.desktop?.clipboard),
    ...dialogCommands(window.desktop?.dialogs),
    ...notificationCommands(window.desktop?.notifications, config.app.name),
    ...menuCommands(config, { ...window, menus: window.desktop?.menus }),
  };
}
