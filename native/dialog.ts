// Real GTK 3 dialogs for the dialog plugin (core/plugins/dialog.ts): GtkMessageDialog and
// GtkFileChooserDialog, modal to the calling window. Shown without gtk_dialog_run (which would run a nested
// main loop inside a Deno call): the "response" signal, dispatched by native/loop.ts, settles the promise.
//
// Tests answer these real dialogs through `dialogTestDriver()`: it finds the dialog GTK has open, reads
// what GTK shows (title, text, buttons, chooser state) and clicks its real buttons or selects files in the
// real chooser. It works only when AIRLOCK_TEST_DIALOGS=1 is in the environment (a test's own switch; no app
// sets it), and it is reachable from Deno code only, never from a page.
import type { ChooserSpec } from "../protocol/dialog.ts";
import { cString, initGtk, readCString } from "./ffi.ts";
import { wakeLoop } from "./loop.ts";

const P = "pointer" as const;
const B = "buffer" as const;
const V = "void" as const;

const GTK = {
  gtk_message_dialog_new: { parameters: [P, "i32", "i32", "i32", P], result: P },
  gtk_file_chooser_dialog_new: { parameters: [B, P, "i32", P], result: P },
  gtk_dialog_add_button: { parameters: [P, B, "i32"], result: P },
  gtk_dialog_get_widget_for_response: { parameters: [P, "i32"], result: P },
  gtk_dialog_set_default_response: { parameters: [P, "i32"], result: V },
  gtk_button_get_label: { parameters: [P], result: P },
  gtk_button_clicked: { parameters: [P], result: V },
  gtk_window_set_title: { parameters: [P, B], result: V },
  gtk_window_get_title: { parameters: [P], result: P },
  gtk_window_set_transient_for: { parameters: [P, P], result: V },
  gtk_window_get_transient_for: { parameters: [P], result: P },
  gtk_window_set_modal: { parameters: [P, "i32"], result: V },
  gtk_window_get_modal: { parameters: [P], result: "i32" },
  gtk_window_set_destroy_with_parent: { parameters: [P, "i32"], result: V },
  gtk_window_close: { parameters: [P], result: V },
  gtk_widget_show: { parameters: [P], result: V },
  gtk_widget_destroy: { parameters: [P], result: V },
  gtk_file_chooser_get_action: { parameters: [P], result: "i32" },
  gtk_file_chooser_set_select_multiple: { parameters: [P, "i32"], result: V },
  gtk_file_chooser_get_select_multiple: { parameters: [P], result: "i32" },
  gtk_file_chooser_set_create_folders: { parameters: [P, "i32"], result: V },
  gtk_file_chooser_get_create_folders: { parameters: [P], result: "i32" },
  gtk_file_chooser_set_do_overwrite_confirmation: { parameters: [P, "i32"], result: V },
  gtk_file_chooser_set_current_folder: { parameters: [P, B], result: "i32" },
  gtk_file_chooser_get_current_folder: { parameters: [P], result: P },
  gtk_file_chooser_set_current_name: { parameters: [P, B], result: V },
  gtk_file_chooser_get_current_name: { parameters: [P], result: P },
  gtk_file_chooser_set_filename: { parameters: [P, B], result: "i32" },
  gtk_file_chooser_select_filename: { parameters: [P, B], result: "i32" },
  gtk_file_chooser_unselect_all: { parameters: [P], result: V },
  gtk_file_chooser_get_filename: { parameters: [P], result: P },
  gtk_file_chooser_get_filenames: { parameters: [P], result: P },
  gtk_file_chooser_add_filter: { parameters: [P, P], result: V },
  gtk_file_chooser_list_filters: { parameters: [P], result: P },
  gtk_file_filter_new: { parameters: [], result: P },
  gtk_message_type_get_type: { parameters: [], result: "u64" },
  gtk_file_filter_set_name: { parameters: [P, B], result: V },
  gtk_file_filter_get_name: { parameters: [P], result: P },
  gtk_file_filter_add_pattern: { parameters: [P, B], result: V },
} as const;

const GOBJECT = {
  g_signal_connect_data: { parameters: [P, B, "function", P, P, "i32"], result: "u64" },
  g_object_ref_sink: { parameters: [P], result: P },
  g_object_unref: { parameters: [P], result: V },
  g_value_init: { parameters: [B, "u64"], result: P },
  g_value_set_string: { parameters: [B, B], result: V },
  g_value_get_string: { parameters: [B], result: P },
  g_value_get_enum: { parameters: [B], result: "i32" },
  g_value_unset: { parameters: [B], result: V },
  g_object_set_property: { parameters: [P, B, B], result: V },
  g_object_get_property: { parameters: [P, B, B], result: V },
} as const;

const GLIB = {
  g_free: { parameters: [P], result: V },
  g_slist_free: { parameters: [P], result: V },
} as const;

const G_TYPE_STRING = 16n << 2n;
const GTK_RESPONSE_ACCEPT = -3;
const GTK_RESPONSE_CANCEL = -6;
const MESSAGE_TYPES = { info: 0, warning: 1, question: 2, error: 3 } as const;
const ACTIONS = ["open", "save", "folder"] as const;

/** A message dialog: its buttons, first to last; the answer is the index of the one clicked, or -1 when
 * the dialog was closed without one (Escape, the window manager, the parent window closing). */
export interface MessageSpec {
  title?: string;
  message: string;
  kind: keyof typeof MESSAGE_TYPES;
  /** GTK labels: `_` marks a mnemonic, `__` is an underscore. */
  buttons: string[];
}

/** The dialogs of one window (the parent they are modal to). */
export interface NativeDialogs {
  message(spec: MessageSpec): Promise<number>;
  /** The chosen paths, or null when cancelled. */
  choose(spec: ChooserSpec): Promise<string[] | null>;
}

type Lib = {
  gtk: Deno.DynamicLibrary<typeof GTK>["symbols"];
  gobject: Deno.DynamicLibrary<typeof GOBJECT>["symbols"];
  glib: Deno.DynamicLibrary<typeof GLIB>["symbols"];
};

interface Shown {
  id: number;
  dialog: Deno.PointerValue;
  chooser: boolean;
  buttons: number;
  finish(response: number): void;
}

let lib: Lib | null = null;
let hub: {
  response: Deno.UnsafeCallback<{ parameters: ["pointer", "i32", "pointer"]; result: "void" }>;
  destroyed: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer"]; result: "void" }>;
} | null = null;
const shown = new Map<number, Shown>();
/** Dialogs opened and not yet handed to the test driver, oldest first. */
const fresh: Shown[] = [];
let nextId = 1;

function libraries(): Lib {
  initGtk();
  return lib ??= {
    gtk: Deno.dlopen("libgtk-3.so.0", GTK).symbols,
    gobject: Deno.dlopen("libgobject-2.0.so.0", GOBJECT).symbols,
    glib: Deno.dlopen("libglib-2.0.so.0", GLIB).symbols,
  };
}

/** Reports instead of throwing: an exception must not unwind through GTK. */
function guarded(body: () => void): void {
  try {
    body();
  } catch (error) {
    console.error(`airlock: a dialog's answer failed: ${(error as Error)?.message ?? error}`);
  }
}

function signals() {
  return hub ??= {
    response: new Deno.UnsafeCallback(
      { parameters: ["pointer", "i32", "pointer"], result: "void" } as const,
      (_dialog, response, data) => guarded(() => settle(Number(Deno.UnsafePointer.value(data)), response)),
    ),
    destroyed: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer"], result: "void" } as const,
      (_dialog, data) => guarded(() => settle(Number(Deno.UnsafePointer.value(data)), GTK_RESPONSE_CANCEL)),
    ),
  };
}

/** Once per dialog: its answer is read while it is still open, then it goes. */
function settle(id: number, response: number): void {
  const entry = shown.get(id);
  if (!entry) return;
  shown.delete(id);
  const index = fresh.indexOf(entry);
  if (index >= 0) fresh.splice(index, 1);
  entry.finish(response);
  // Destroyed outside the signal's emission (perhaps again: the reference show() took keeps it valid).
  setTimeout(() => {
    const { gtk, gobject } = libraries();
    gtk.gtk_widget_destroy(entry.dialog);
    gobject.g_object_unref(entry.dialog);
    wakeLoop();
  }, 0);
}

function show(
  dialog: Deno.PointerValue,
  parent: Deno.PointerValue,
  chooser: boolean,
  buttons: number,
  finish: (response: number) => void,
): void {
  const { gtk, gobject } = libraries();
  const { response, destroyed } = signals();
  const id = nextId++;
  const entry: Shown = { id, dialog, chooser, buttons, finish };
  shown.set(id, entry);
  fresh.push(entry);
  // Ours until settle() lets go, whoever destroys it first (the parent closing, say).
  gobject.g_object_ref_sink(dialog);
  const data = Deno.UnsafePointer.create(BigInt(id));
  gobject.g_signal_connect_data(dialog, cString("response"), response.pointer, data, null, 0);
  gobject.g_signal_connect_data(dialog, cString("destroy"), destroyed.pointer, data, null, 0);
  if (parent) gtk.gtk_window_set_transient_for(dialog, parent);
  gtk.gtk_window_set_modal(dialog, 1);
  gtk.gtk_window_set_destroy_with_parent(dialog, 1);
  gtk.gtk_widget_show(dialog);
  wakeLoop();
}

function setStringProperty(object: Deno.PointerValue, name: string, value: string): void {
  const { gobject } = libraries();
  const gvalue = new Uint8Array(24);
  gobject.g_value_init(gvalue, G_TYPE_STRING);
  gobject.g_value_set_string(gvalue, cString(value));
  gobject.g_object_set_property(object, cString(name), gvalue);
  gobject.g_value_unset(gvalue);
}

function getStringProperty(object: Deno.PointerValue, name: string): string | null {
  const { gobject } = libraries();
  const gvalue = new Uint8Array(24);
  gobject.g_value_init(gvalue, G_TYPE_STRING);
  gobject.g_object_get_property(object, cString(name), gvalue);
  const text = readCString(gobject.g_value_get_string(gvalue));
  gobject.g_value_unset(gvalue);
  return text;
}

function takeString(pointer: Deno.PointerValue): string | null {
  if (pointer === null) return null;
  const text = Deno.UnsafePointerView.getCString(pointer);
  libraries().glib.g_free(pointer);
  return text;
}

/** A GSList's data pointers (GSList { gpointer data; GSList *next; }); the list is freed. */
function takeList(list: Deno.PointerValue): Deno.PointerValue[] {
  const items: Deno.PointerValue[] = [];
  for (let node = list; node !== null;) {
    const view = new Deno.UnsafePointerView(node);
    items.push(view.getPointer(0));
    node = view.getPointer(8);
  }
  if (list) libraries().glib.g_slist_free(list);
  return items;
}

function chosenPaths(dialog: Deno.PointerValue): string[] {
  const { gtk } = libraries();
  return takeList(gtk.gtk_file_chooser_get_filenames(dialog)).map((p) => takeString(p)!).filter(Boolean);
}

/** The dialogs of the window `parent` (a GtkWindow*; null: none). */
export function nativeDialogs(parent: () => Deno.PointerValue): NativeDialogs {
  return {
    message(spec) {
      const { gtk } = libraries();
      const dialog = gtk.gtk_message_dialog_new(null, 0, MESSAGE_TYPES[spec.kind], 0, null);
      setStringProperty(dialog, "text", spec.message);
      if (spec.title !== undefined) gtk.gtk_window_set_title(dialog, cString(spec.title));
      spec.buttons.forEach((label, i) => gtk.gtk_dialog_add_button(dialog, cString(label), i));
      gtk.gtk_dialog_set_default_response(dialog, spec.buttons.length - 1);
      return new Promise((resolve) =>
        show(
          dialog,
          parent(),
          false,
          spec.buttons.length,
          (response) => resolve(response >= 0 && response < spec.buttons.length ? response : -1),
        )
      );
    },
    choose(spec) {
      const { gtk } = libraries();
      const action = ACTIONS.indexOf(spec.action);
      const dialog = gtk.gtk_file_chooser_dialog_new(cString(spec.title ?? ""), null, action, null);
      gtk.gtk_dialog_add_button(dialog, cString("_Cancel"), GTK_RESPONSE_CANCEL);
      const accept = spec.action === "save" ? "_Save" : spec.action === "folder" ? "_Select" : "_Open";
      gtk.gtk_dialog_add_button(dialog, cString(accept), GTK_RESPONSE_ACCEPT);
      gtk.gtk_dialog_set_default_response(dialog, GTK_RESPONSE_ACCEPT);
      gtk.gtk_file_chooser_set_select_multiple(dialog, spec.multiple ? 1 : 0);
      if (spec.canCreateDirectories !== undefined) {
        gtk.gtk_file_chooser_set_create_folders(dialog, spec.canCreateDirectories ? 1 : 0);
      }
      if (spec.action === "save") gtk.gtk_file_chooser_set_do_overwrite_confirmation(dialog, 1);
      for (const filter of spec.filters) {
        const gtkFilter = gtk.gtk_file_filter_new();
        gtk.gtk_file_filter_set_name(gtkFilter, cString(filter.name));
        for (const extension of filter.extensions) {
          gtk.gtk_file_filter_add_pattern(gtkFilter, cString(extension === "*" ? "*" : `*.${extension}`));
        }
        gtk.gtk_file_chooser_add_filter(dialog, gtkFilter);
      }
      if (spec.folder !== undefined) gtk.gtk_file_chooser_set_current_folder(dialog, cString(spec.folder));
      if (spec.fileName !== undefined) {
        if (spec.action === "save") gtk.gtk_file_chooser_set_current_name(dialog, cString(spec.fileName));
        else if (spec.folder !== undefined) {
          gtk.gtk_file_chooser_select_filename(dialog, cString(`${spec.folder}/${spec.fileName}`));
        }
      }
      return new Promise((resolve) =>
        show(dialog, parent(), true, 2, (response) => {
          if (response !== GTK_RESPONSE_ACCEPT) return resolve(null);
          const paths = chosenPaths(dialog);
          resolve(paths.length ? paths : null);
        })
      );
    },
  };
}

/** An open dialog as the test driver sees it: what GTK shows, and the user's actions on it. */
export interface OpenDialog {
  kind: "message" | (typeof ACTIONS)[number];
  title: string;
  /** The message dialog's text. */
  text: string | null;
  messageType: string | null;
  /** The buttons' labels as GTK holds them (mnemonics included: "_OK"). */
  buttons: string[];
  modal: boolean;
  /** The title of the window it is modal to. */
  parentTitle: string | null;
  multiple: boolean;
  canCreateDirectories: boolean;
  /** The chooser's folder, and (save) the name it proposes. */
  folder: string | null;
  name: string | null;
  /** The chooser's filters' names. */
  filters: string[];
  /** What the chooser has selected now. */
  selected(): string[];
  /** Clicks the button with this label (mnemonic underscores ignored). */
  click(label: string): void;
  /** Selects the path in the real chooser (save: its folder and name; one path: see choose()), waits until GTK has it
   * selected, and clicks the chooser's accept button. */
  choose(paths: string[]): Promise<void>;
  /** Closes it as the window manager's close button would. */
  close(): void;
}

const plain = (label: string) => label.replace(/_(.)/g, "$1");

function describe(entry: Shown): OpenDialog {
  const { gtk } = libraries();
  const dialog = entry.dialog;
  const ids = entry.chooser ? [GTK_RESPONSE_CANCEL, GTK_RESPONSE_ACCEPT] : [...Array(entry.buttons).keys()];
  const buttons = ids.map((id) => gtk.gtk_dialog_get_widget_for_response(dialog, id));
  const labels = buttons.map((button) => readCString(gtk.gtk_button_get_label(button)) ?? "");
  const parent = gtk.gtk_window_get_transient_for(dialog);
  const click = (label: string) => {
    const index = labels.findIndex((l) => l === label || plain(l) === label);
    if (index < 0) throw new Error(`no button ${JSON.stringify(label)} (buttons: ${labels.join(", ")})`);
    gtk.gtk_button_clicked(buttons[index]);
    wakeLoop();
  };
  const action = entry.chooser ? ACTIONS[gtk.gtk_file_chooser_get_action(dialog)] : null;
  const messageType = entry.chooser ? null : messageTypeOf(dialog);
  return {
    kind: action ?? "message",
    title: readCString(gtk.gtk_window_get_title(dialog)) ?? "",
    text: entry.chooser ? null : getStringProperty(dialog, "text"),
    messageType,
    buttons: labels,
    modal: gtk.gtk_window_get_modal(dialog) !== 0,
    parentTitle: parent ? readCString(gtk.gtk_window_get_title(parent)) : null,
    multiple: entry.chooser && gtk.gtk_file_chooser_get_select_multiple(dialog) !== 0,
    canCreateDirectories: entry.chooser && gtk.gtk_file_chooser_get_create_folders(dialog) !== 0,
    folder: entry.chooser ? takeString(gtk.gtk_file_chooser_get_current_folder(dialog)) : null,
    name: action === "save" ? takeString(gtk.gtk_file_chooser_get_current_name(dialog)) : null,
    filters: entry.chooser
      ? takeList(gtk.gtk_file_chooser_list_filters(dialog)).map((f) =>
        readCString(gtk.gtk_file_filter_get_name(f)) ?? ""
      )
      : [],
    selected: () => chosenPaths(dialog),
    click,
    async choose(paths) {
      if (!entry.chooser) throw new Error("not a file chooser");
      const until = async (done: () => boolean) => {
        for (let i = 0; i < 250 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      if (action === "save") {
        const slash = paths[0].lastIndexOf("/");
        gtk.gtk_file_chooser_set_current_folder(dialog, cString(paths[0].slice(0, slash) || "/"));
        gtk.gtk_file_chooser_set_current_name(dialog, cString(paths[0].slice(slash + 1)));
      } else {
        // GTK's chooser replaces its selection with each file selected into a loaded folder (a user adds
        // more with Ctrl+click, which the driver does not do): one path at a time.
        if (paths.length !== 1) throw new Error("the dialog test driver selects one path per choose()");
      }
      const select = () => {
        if (action === "save") return;
        gtk.gtk_file_chooser_unselect_all(dialog);
        gtk.gtk_file_chooser_select_filename(dialog, cString(paths[0]));
        wakeLoop();
      };
      select();
      wakeLoop();
      // A folder that finishes loading selects its first row: until GTK has the path, select it again.
      const want = JSON.stringify([...paths].sort());
      let tries = 0;
      await until(() => {
        if (JSON.stringify(chosenPaths(dialog).sort()) === want) return true;
        if (++tries % 10 === 0) select();
        return false;
      });
      const got = chosenPaths(dialog);
      if (JSON.stringify(got.sort()) !== want) {
        throw new Error(`the chooser did not select ${want} (it has ${JSON.stringify(got)})`);
      }
      click(labels[1]);
    },
    close() {
      gtk.gtk_window_close(dialog);
      wakeLoop();
    },
  };
}

function messageTypeOf(dialog: Deno.PointerValue): string | null {
  const { gobject } = libraries();
  // "message-type" is a GtkMessageType: read into a GValue of that enum type (gtk_message_type_get_type).
  const type = messageTypeGType();
  const gvalue = new Uint8Array(24);
  gobject.g_value_init(gvalue, type);
  gobject.g_object_get_property(dialog, cString("message-type"), gvalue);
  const value = gobject.g_value_get_enum(gvalue);
  gobject.g_value_unset(gvalue);
  return Object.entries(MESSAGE_TYPES).find(([, v]) => v === value)?.[0] ?? String(value);
}

const messageTypeGType = (): bigint => libraries().gtk.gtk_message_type_get_type() as bigint;

/** The test driver: waits for the next dialog this process opens and hands it over. Refused unless
 * AIRLOCK_TEST_DIALOGS=1. */
export function dialogTestDriver() {
  if (Deno.env.get("AIRLOCK_TEST_DIALOGS") !== "1") {
    throw new Error("the dialog test driver is off: it answers dialogs only with AIRLOCK_TEST_DIALOGS=1");
  }
  return {
    async next(timeoutMs = 10_000): Promise<OpenDialog> {
      const end = Date.now() + timeoutMs;
      while (fresh.length === 0) {
        if (Date.now() > end) throw new Error(`no dialog opened within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const entry = fresh.shift()!;
      // A chooser reads its folder asynchronously once shown: wait until GTK reports one.
      const { gtk } = libraries();
      for (let i = 0; i < 100 && entry.chooser && shown.has(entry.id); i++) {
        const folder = takeString(gtk.gtk_file_chooser_get_current_folder(entry.dialog));
        if (folder !== null) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return describe(entry);
    },
    /** How many dialogs are open now. */
    get open(): number {
      return shown.size;
    },
  };
}
