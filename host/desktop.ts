// The desktop's parts a window's built-in plugins reach (core/builtins.ts Desktop), from native/: the
// clipboard (clipboard-manager).
import type { Desktop } from "../core/builtins.ts";
import { nativeClipboard } from "../native/clipboard.ts";

/** What one window's plugins get of the desktop. */
export function desktopFor(): Desktop {
  return { clipboard: nativeClipboard };
}
