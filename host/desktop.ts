// The desktop's parts a window's built-in plugins reach (core/builtins.ts Desktop), from native/: the
// clipboard (clipboard-manager), the window's dialogs (dialog), modal to it, and the session's notification
// service (notification), and the window's menu bar and context menus (menu).
import type { Desktop } from "../core/builtins.ts";
import { nativeClipboard } from "../native/clipboard.ts";
import { nativeDialogs } from "../native/dialog.ts";
import { nativeNotifier } from "../native/notification.ts";
import { nativeMenus } from "../native/menu.ts";
import type { NativeWindow } from "../native/window.ts";

/** What one window's plugins get of the desktop; `window` is its native window once it exists. */
export function desktopFor(window: () => NativeWindow | undefined): Desktop {
  return {
    clipboard: nativeClipboard,
    dialogs: nativeDialogs(() => window()?.handle ?? null),
    notifications: nativeNotifier,
    menus: nativeMenus(window),
  };
}
