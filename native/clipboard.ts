// The desktop's clipboard (X11's CLIPBOARD selection, through GTK 3): text and HTML written as this
// process's own selection, served by GTK from the main loop for as long as the process owns it; text read
// with GTK's asynchronous request (its answer comes back through a callback dispatched by native/loop.ts —
// gtk_clipboard_wait_for_text would run a nested main loop inside a Deno call).
import { cString, initGtk, readCString } from "./ffi.ts";
import { wakeLoop } from "./loop.ts";

const P = "pointer" as const;
const B = "buffer" as const;

const SYMBOLS = {
  gdk_atom_intern: { parameters: [B, "i32"], result: P },
  gtk_clipboard_get: { parameters: [P], result: P },
  gtk_clipboard_set_text: { parameters: [P, B, "i32"], result: "void" },
  gtk_clipboard_request_text: { parameters: [P, "function", P], result: "void" },
  gtk_clipboard_set_with_data: { parameters: [P, B, "u32", "function", "function", P], result: "i32" },
  gtk_selection_owner_set: { parameters: [P, P, "u32"], result: "i32" },
  gtk_selection_data_set: { parameters: [P, P, "i32", B, "i32"], result: "void" },
  gtk_selection_data_set_text: { parameters: [P, B, "i32"], result: "i32" },
  gtk_selection_data_get_target: { parameters: [P], result: P },
} as const;

type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** The clipboard as the clipboard-manager plugin uses it (core/plugins/clipboard.ts). */
export interface NativeClipboard {
  /** The clipboard's text, or null when it holds none (empty, or only other formats). */
  readText(): Promise<string | null>;
  writeText(text: string): void;
  /** `html` as text/html, and `text` as plain text beside it. */
  writeHtml(html: string, text: string): void;
  /** Empties the clipboard, whoever owns it (the selection then has no owner). */
  clear(): void;
}

// GtkTargetEntry { gchar *target; guint flags; guint info; }: 16 bytes on 64-bit.
const HTML_INFO = 0;
const TEXT_INFO = 1;
const TARGET_NAMES: [string, number][] = [
  ["text/html", HTML_INFO],
  ["UTF8_STRING", TEXT_INFO],
  ["text/plain;charset=utf-8", TEXT_INFO],
  ["text/plain", TEXT_INFO],
  ["STRING", TEXT_INFO],
  ["TEXT", TEXT_INFO],
];

interface State {
  gtk: Symbols;
  clipboard: Deno.PointerValue;
  atom: Deno.PointerValue;
  targets: Uint8Array<ArrayBuffer>;
  // Kept alive for as long as the table above points at them.
  names: Uint8Array<ArrayBuffer>[];
  received: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "pointer"]; result: "void" }>;
  get: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "u32", "pointer"]; result: "void" }>;
  cleared: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer"]; result: "void" }>;
}

let state: State | null = null;
/** What this process offers while it owns the clipboard with HTML (null once another owner took it). */
let offered: { html: Uint8Array<ArrayBuffer>; text: Uint8Array<ArrayBuffer> } | null = null;
const pending = new Map<number, (text: string | null) => void>();
let nextRequest = 1;

/** Reports instead of throwing: an exception must not unwind through GTK. */
function guarded(what: string, body: () => void): void {
  try {
    body();
  } catch (error) {
    console.error(`airlock: clipboard ${what} failed: ${(error as Error)?.message ?? error}`);
  }
}

function open(): State {
  initGtk(); // GTK's thread only, and a display
  if (state) return state;
  const gtk = Deno.dlopen("libgtk-3.so.0", SYMBOLS).symbols;
  const atom = gtk.gdk_atom_intern(cString("CLIPBOARD"), 0);
  const names = TARGET_NAMES.map(([name]) => cString(name));
  const targets = new Uint8Array(16 * names.length);
  const view = new DataView(targets.buffer);
  names.forEach((name, i) => {
    view.setBigUint64(16 * i, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(name))), true);
    view.setUint32(16 * i + 8, 0, true);
    view.setUint32(16 * i + 12, TARGET_NAMES[i][1], true);
  });
  state = {
    gtk,
    atom,
    clipboard: gtk.gtk_clipboard_get(atom),
    names,
    targets,
    received: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer", "pointer"], result: "void" } as const,
      (_clipboard, text, data) =>
        guarded("read", () => {
          const id = Number(Deno.UnsafePointer.value(data));
          const resolve = pending.get(id);
          pending.delete(id);
          resolve?.(readCString(text));
        }),
    ),
    get: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer", "u32", "pointer"], result: "void" } as const,
      (_clipboard, selection, info) =>
        guarded("answer", () => {
          if (!offered) return;
          const { gtk } = state!;
          if (info === HTML_INFO) {
            const target = gtk.gtk_selection_data_get_target(selection);
            gtk.gtk_selection_data_set(selection, target, 8, offered.html, offered.html.byteLength);
          } else gtk.gtk_selection_data_set_text(selection, offered.text, offered.text.byteLength);
        }),
    ),
    cleared: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer"], result: "void" } as const,
      () => void (offered = null),
    ),
  };
  return state;
}

const utf8 = (text: string) => new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;

export const nativeClipboard: NativeClipboard = {
  readText() {
    const { gtk, clipboard, received } = open();
    const id = nextRequest++;
    const answer = new Promise<string | null>((resolve) => pending.set(id, resolve));
    gtk.gtk_clipboard_request_text(clipboard, received.pointer, Deno.UnsafePointer.create(BigInt(id)));
    wakeLoop();
    return answer;
  },
  writeText(text) {
    const { gtk, clipboard } = open();
    const bytes = utf8(text);
    gtk.gtk_clipboard_set_text(clipboard, bytes, bytes.byteLength);
    wakeLoop();
  },
  writeHtml(html, text) {
    const { gtk, clipboard, targets, get, cleared } = open();
    // Taking the clipboard over from ourselves runs the old offer's clear callback first.
    const ok = gtk.gtk_clipboard_set_with_data(
      clipboard,
      targets,
      TARGET_NAMES.length,
      get.pointer,
      cleared.pointer,
      null,
    );
    if (!ok) throw new Error("the clipboard could not be taken");
    offered = { html: utf8(html), text: utf8(text) };
    wakeLoop();
  },
  clear() {
    const { gtk, atom } = open();
    // gtk_clipboard_clear only lets go of what this process owns; no owner at all empties it for everyone.
    gtk.gtk_selection_owner_set(null, atom, 0);
    wakeLoop();
  },
};
