// Tauri's clipboard-manager plugin (@tauri-apps/plugin-clipboard-manager): writeText, readText, writeHtml and
// clear on the desktop's clipboard, which the host hands in (native/clipboard.ts: GTK's CLIPBOARD selection).
// Images are not supported yet: readImage/writeImage answer that plainly. The clipboard is the whole
// desktop's, so clipboard-manager:default grants nothing (as in Tauri): each command must be granted.
import type { PluginManifest } from "../permissions.ts";
import type { Commands } from "../router.ts";
import { type Schema, t } from "../schema.ts";

/** The desktop's clipboard, as the host reaches it. */
export interface Clipboard {
  /** The clipboard's text, or null when it holds none. */
  readText(): Promise<string | null>;
  writeText(text: string): void;
  /** `html` as text/html, with `text` as its plain-text alternative. */
  writeHtml(html: string, text: string): void;
  clear(): void;
}

/** arboard's ContentNotAvailable, the error Tauri's read_text answers on an empty clipboard. */
export const EMPTY =
  "The clipboard contents were not available in the requested format or the clipboard is empty.";
const NO_IMAGES = "clipboard images are not supported by Airlock (readImage/writeImage); text and HTML are";

/** An optional field that may also be null (Rust's Option). */
const maybe = <T>(schema: Schema<T>) => {
  const field = t.optional(schema);
  return { ...field, parse: (v: unknown, p: string) => v === null ? undefined : field.parse(v, p) };
};

const MAX = 16 * 1024 * 1024;
const writeTextArgs = t.object({ text: t.string({ max: MAX }), label: maybe(t.string({ max: 4096 })) });
// The package sends `altHtml`; Tauri's command names it `alt_text` (so Tauri ignores the package's): both
// are read here.
const writeHtmlArgs = t.object({
  html: t.string({ max: MAX }),
  altHtml: maybe(t.string({ max: MAX })),
  altText: maybe(t.string({ max: MAX })),
});

export function clipboardCommands(clipboard: Clipboard | undefined): Commands {
  const system = () => {
    if (!clipboard) throw new Error("no clipboard: this app runs without a desktop");
    return clipboard;
  };
  return {
    "plugin:clipboard-manager|write_text": (raw) => {
      const { text } = writeTextArgs.parse(raw, "args");
      system().writeText(text);
      return null;
    },
    "plugin:clipboard-manager|read_text": async () => {
      const text = await system().readText();
      if (text === null) throw new Error(EMPTY);
      return text;
    },
    "plugin:clipboard-manager|write_html": (raw) => {
      const { html, altHtml, altText } = writeHtmlArgs.parse(raw, "args");
      system().writeHtml(html, altText ?? altHtml ?? html);
      return null;
    },
    "plugin:clipboard-manager|clear": () => {
      system().clear();
      return null;
    },
    "plugin:clipboard-manager|read_image": () => {
      throw new Error(NO_IMAGES);
    },
    "plugin:clipboard-manager|write_image": () => {
      throw new Error(NO_IMAGES);
    },
  };
}

/** plugins/clipboard-manager/permissions: an allow-/deny- per command; the default grants nothing. */
export const CLIPBOARD_MANIFEST: PluginManifest = {
  name: "clipboard-manager",
  commands: ["clear", "read_image", "read_text", "write_html", "write_image", "write_text"],
  default: [],
};
