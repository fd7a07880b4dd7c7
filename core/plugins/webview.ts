// Tauri's webview plugin as @tauri-apps/api's WebviewWindow uses it: `new WebviewWindow(label, options)`
// sends plugin:webview|create_webview_window with { options: { label, url, title, width, height, … } }.
// A page may open windows only when the app allows it (airlock.allowPageWindows, as a Tauri app grants
// core:webview:allow-create-webview-window), and no more than MAX_WINDOWS in all.
import type { WindowConfig } from "../config.ts";
import type { Commands } from "../router.ts";
import { t } from "../schema.ts";
import { MAX_DIMENSION } from "./window.ts";

export const MAX_WINDOWS = 16;
const LABEL = /^[A-Za-z0-9\-/:_]{1,64}$/;

/** Tauri window options Airlock applies; others a page sends are refused with their name (as Tauri's
 * own config parser refuses unknown fields). */
const options = t.object({
  label: t.string({ max: 64 }),
  url: t.optional(t.string({ max: 2048 })),
  title: t.optional(t.string({ max: 1024 })),
  width: t.optional(t.number({ min: 1, max: MAX_DIMENSION })),
  height: t.optional(t.number({ min: 1, max: MAX_DIMENSION })),
  parent: t.optional(t.string({ max: 64 })),
});

export function webviewCommands(
  caller: string,
  app: {
    allowPageWindows: boolean;
    title: string;
    labels(): string[];
    open(spec: WindowConfig): Promise<unknown>;
  },
): Commands {
  return {
    "plugin:webview|create_webview_window": async (args) => {
      if (!app.allowPageWindows) {
        throw new Error(
          "creating windows from the page is not allowed: set airlock.allowPageWindows in the config " +
            "(Tauri: the core:webview:allow-create-webview-window permission)",
        );
      }
      const spec = options.parse((args as { options?: unknown })?.options, "args.options");
      if (!LABEL.test(spec.label)) throw new Error("window label must be 1–64 letters, digits, -, /, : or _");
      if (app.labels().includes(spec.label)) {
        throw new Error(`a window labelled "${spec.label}" is open already`);
      }
      if (app.labels().length >= MAX_WINDOWS) throw new Error(`too many windows (limit ${MAX_WINDOWS})`);
      const url = spec.url ?? "index.html";
      // The app's own pages only: a page may not open a window onto another origin.
      if (/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith("app://localhost/")) {
        throw new Error(`window url ${JSON.stringify(url)} is not a page of the app`);
      }
      await app.open({
        label: spec.label,
        title: spec.title ?? app.title,
        url: url.replace(/^app:\/\/localhost\//, ""),
        // Tauri takes fractional sizes; GTK's are whole pixels.
        width: Math.round(spec.width ?? 800),
        height: Math.round(spec.height ?? 600),
      });
      return null;
    },
    "plugin:webview|get_all_webviews": () => app.labels().map((label) => ({ windowLabel: label, label })),
    "plugin:webview|webview_close": () => {
      throw new Error(`webview_close: close window ${JSON.stringify(caller)} with plugin:window|close`);
    },
  };
}
