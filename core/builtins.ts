// The core's own commands, under Tauri's plugin names so @tauri-apps/api calls them unchanged. They arrive
// like any app command: through the page's invoke, the isolation hook, the seal and the core's checks.
import type { AppConfig } from "./config.ts";
import type { WindowEvents } from "./events.ts";
import type { Commands } from "./router.ts";
import { t } from "./schema.ts";
import { httpFetch, type HttpRequest } from "./http.ts";

/** Command names that only the core may define. */
export const BUILTIN_PREFIX = "plugin:";

export interface WindowControls {
  label: string;
  /** Aborted when the window closes: its page's requests are cancelled with it. */
  signal: AbortSignal;
  setTitle(title: string): void;
  close(): Promise<void>;
}

export function builtinCommands(config: AppConfig, events: WindowEvents, window: WindowControls): Commands {
  const title = t.object({ label: t.optional(t.string()), value: t.string({ max: 1024 }) });
  const target = t.object({ label: t.optional(t.string()) }, { extra: true });
  // A page may act on its own window only; a label naming another is refused rather than ignored.
  const ownWindow = (label: string | undefined) => {
    if (label !== undefined && label !== window.label) {
      throw new Error(`window ${JSON.stringify(label)} is not this page's window`);
    }
  };
  return {
    ...events.commands(),
    "plugin:app|name": () => config.app.name,
    "plugin:app|version": () => config.app.version,
    "plugin:app|identifier": () => config.app.identifier,
    "plugin:app|tauri_version": () => "2.0.0-airlock",
    // http.ts checks every field itself: the request comes from the page.
    "plugin:http|fetch": (args) => httpFetch(args as HttpRequest, config.http, window.signal),
    "plugin:window|set_title": (args) => {
      const { label, value } = title.parse(args, "args");
      ownWindow(label);
      window.setTitle(value);
      return null;
    },
    "plugin:window|close": (args) => {
      ownWindow(target.parse(args, "args").label);
      // After the answer has gone back: closing first would leave the caller's promise to die with the page.
      setTimeout(() => void window.close(), 0);
      return null;
    },
  };
}
