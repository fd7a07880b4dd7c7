// Real GTK 3 menus for the menu plugin (core/plugins/menu.ts): a window's menu bar (a GtkMenuBar above the
// web view, in the window's vertical GtkBox) and context menus (a GtkMenu popped up at a point or at the
// pointer). The core keeps the menus; this module shows them, and every place a menu or item is shown is
// updated when the core says it changed. An item the user activates is reported to the core (the
// predefined ones do their GTK or WebKit action first: copy, paste, minimize, close the window…).
//
// Tests drive these real menus through `menuTestDriver()`: it reads what GTK shows (the bar's place above
// the view, each item's label, sensitivity and check state, the popup's position) and activates items as a click
// does (gtk_menu_shell_activate_item). It works only with AIRLOCK_TEST_MENUS=1 in the environment (a
// test's own switch; no app sets it), and it is reachable from Deno code only, never from a page.
import { cString, initGtk, readCString } from "./ffi.ts";
import { wakeLoop } from "./loop.ts";
import type { NativeWindow } from "./window.ts";
import type { Activate, MenuNode } from "../protocol/menu.ts";

const P = "pointer" as const;
const B = "buffer" as const;
const V = "void" as const;

const GTK = {
  gtk_menu_bar_new: { parameters: [], result: P },
  gtk_menu_new: { parameters: [], result: P },
  gtk_menu_item_new_with_mnemonic: { parameters: [B], result: P },
  gtk_check_menu_item_new_with_mnemonic: { parameters: [B], result: P },
  gtk_separator_menu_item_new: { parameters: [], result: P },
  gtk_menu_item_set_submenu: { parameters: [P, P], result: V },
  gtk_menu_item_get_submenu: { parameters: [P], result: P },
  gtk_menu_item_set_label: { parameters: [P, B], result: V },
  gtk_menu_item_get_label: { parameters: [P], result: P },
  gtk_menu_shell_activate_item: { parameters: [P, P, "i32"], result: V },
  gtk_menu_shell_append: { parameters: [P, P], result: V },
  gtk_check_menu_item_set_active: { parameters: [P, "i32"], result: V },
  gtk_check_menu_item_get_active: { parameters: [P], result: "i32" },
  gtk_check_menu_item_get_type: { parameters: [], result: "u64" },
  gtk_separator_menu_item_get_type: { parameters: [], result: "u64" },
  gtk_widget_set_sensitive: { parameters: [P, "i32"], result: V },
  gtk_widget_get_sensitive: { parameters: [P], result: "i32" },
  gtk_widget_is_sensitive: { parameters: [P], result: "i32" },
  gtk_widget_show_all: { parameters: [P], result: V },
  gtk_widget_destroy: { parameters: [P], result: V },
  gtk_widget_get_visible: { parameters: [P], result: "i32" },
  gtk_widget_get_mapped: { parameters: [P], result: "i32" },
  gtk_widget_get_allocation: { parameters: [P, B], result: V },
  gtk_widget_get_window: { parameters: [P], result: P },
  gtk_widget_get_toplevel: { parameters: [P], result: P },
  gtk_widget_get_parent: { parameters: [P], result: P },
  gtk_widget_add_accelerator: { parameters: [P, B, P, "u32", "u32", "u32"], result: V },
  gtk_widget_remove_accelerator: { parameters: [P, P, "u32", "u32"], result: "i32" },
  gtk_accelerator_parse: { parameters: [B, B, B], result: V },
  gtk_accel_group_new: { parameters: [], result: P },
  gtk_window_add_accel_group: { parameters: [P, P], result: V },
  gtk_window_get_title: { parameters: [P], result: P },
  gtk_window_close: { parameters: [P], result: V },
  gtk_container_get_children: { parameters: [P], result: P },
  gtk_box_pack_start: { parameters: [P, P, "i32", "i32", "u32"], result: V },
  gtk_box_reorder_child: { parameters: [P, P, "i32"], result: V },
  gtk_menu_attach_to_widget: { parameters: [P, P, P], result: V },
  gtk_menu_popup_at_rect: { parameters: [P, P, B, "i32", "i32", P], result: V },
} as const;

const GOBJECT = {
  g_signal_connect_data: { parameters: [P, B, "function", P, P, "i32"], result: "u64" },
  g_type_check_instance_is_a: { parameters: [P, "u64"], result: "i32" },
} as const;

const GLIB = { g_list_free: { parameters: [P], result: V } } as const;
const GDK = {
  gdk_window_get_origin: { parameters: [P, B, B], result: "i32" },
  gdk_display_get_default: { parameters: [], result: P },
  gdk_display_get_default_seat: { parameters: [P], result: P },
  gdk_seat_get_pointer: { parameters: [P], result: P },
  gdk_window_get_device_position: { parameters: [P, P, B, B, B], result: P },
} as const;
const WEBKIT = { webkit_web_view_execute_editing_command: { parameters: [P, B], result: V } } as const;

const GDK_GRAVITY_NORTH_WEST = 1;
const GTK_ACCEL_VISIBLE = 1;

type NativeMenuNode = MenuNode;
export type { Activate, MenuNode };

/** Predefined items GTK has no place for (macOS's): shown nowhere, as muda does on Linux. */
const NOT_ON_GTK = new Set(["Hide", "HideOthers", "ShowAll", "Services", "BringAllToFront"]);
/** Predefined items that are an editing command of the page (WebKit's names). */
const EDITING: Record<string, string> = {
  Copy: "Copy",
  Cut: "Cut",
  Paste: "Paste",
  SelectAll: "SelectAll",
  Undo: "Undo",
  Redo: "Redo",
};

type Lib = {
  gtk: Deno.DynamicLibrary<typeof GTK>["symbols"];
  gobject: Deno.DynamicLibrary<typeof GOBJECT>["symbols"];
  glib: Deno.DynamicLibrary<typeof GLIB>["symbols"];
  gdk: Deno.DynamicLibrary<typeof GDK>["symbols"];
  webkit: Deno.DynamicLibrary<typeof WEBKIT>["symbols"];
};
let lib: Lib | null = null;
function libraries(): Lib {
  initGtk();
  return lib ??= {
    gtk: Deno.dlopen("libgtk-3.so.0", GTK).symbols,
    gobject: Deno.dlopen("libgobject-2.0.so.0", GOBJECT).symbols,
    glib: Deno.dlopen("libglib-2.0.so.0", GLIB).symbols,
    gdk: Deno.dlopen("libgdk-3.so.0", GDK).symbols,
    webkit: Deno.dlopen("libwebkit2gtk-4.1.so.0", WEBKIT).symbols,
  };
}

/** Where a menu is shown: the window, and what its items report to. */
interface Place {
  window: NativeWindow;
  activate: Activate;
  /** The window's accelerator group (menu bars only: a context menu's shortcuts are not bound). */
  accel: Deno.PointerValue;
}

/** One widget showing one node; a container's `shell` holds its children's widgets. */
interface Shown {
  handle: number;
  node: NativeMenuNode;
  widget: Deno.PointerValue;
  shell: Deno.PointerValue;
  children: Shown[];
  place: Place;
  /** The accelerator bound to the widget now. */
  bound?: { key: number; mods: number };
}

/** Every widget showing a node, by the node's key. */
const live = new Map<number, Set<Shown>>();
/** Leaf widgets by the handle their "activate" signal carries; roots by the one "destroy" carries. */
const handles = new Map<number, Shown>();
let nextHandle = 1;
/** Set while this module changes a check item itself (GTK reports that as an activation too). */
let quiet = false;

/** Per window (by its GtkWindow*): its menu bar, its last context menu, its accelerator group. */
const windows = new Map<bigint, { bar: Shown | null; popup: Shown | null; accel: Deno.PointerValue }>();
const keyOf = (pointer: Deno.PointerValue) => BigInt(Deno.UnsafePointer.value(pointer));

let hub: {
  activated: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer"]; result: "void" }>;
  destroyed: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer"]; result: "void" }>;
  windowGone: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer"]; result: "void" }>;
} | null = null;

/** Reports instead of throwing: an exception must not unwind through GTK. */
function guarded(body: () => void): void {
  try {
    body();
  } catch (error) {
    console.error(`airlock: a menu item failed: ${(error as Error)?.message ?? error}`);
  }
}

function signals() {
  return hub ??= {
    activated: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer"], result: "void" } as const,
      (_item, data) => guarded(() => activated(Number(Deno.UnsafePointer.value(data)))),
    ),
    // A root's widget went (its window closed, or it was replaced): what it showed is forgotten.
    destroyed: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer"], result: "void" } as const,
      (_widget, data) =>
        guarded(() => {
          const root = handles.get(Number(Deno.UnsafePointer.value(data)));
          if (root) forget(root);
        }),
    ),
    // The window went: its menus went with it (their own "destroy" forgot them).
    windowGone: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer"], result: "void" } as const,
      (_window, data) =>
        guarded(() => {
          const key = BigInt(Deno.UnsafePointer.value(data));
          const popup = windows.get(key)?.popup;
          windows.delete(key);
          if (popup) libraries().gtk.gtk_widget_destroy(popup.widget); // it may still be up, with a grab
        }),
    ),
  };
}

function activated(handle: number): void {
  const shown = handles.get(handle);
  if (!shown || quiet) return;
  const { gtk } = libraries();
  // Never the user's: GTK does not activate an insensitive item (nor one in an insensitive menu).
  if (gtk.gtk_widget_is_sensitive(shown.widget) === 0) return;
  const { node, place } = shown;
  const checked = node.kind === "Check"
    ? gtk.gtk_check_menu_item_get_active(shown.widget) !== 0
    : node.checked;
  if (node.kind === "Predefined" && node.predefined) predefinedAction(node.predefined, place.window);
  place.activate(node, checked);
}

/** The predefined items' own actions, as muda does them on GTK. Quit is the core's (it closes the app). */
function predefinedAction(item: string, window: NativeWindow): void {
  const { gtk, webkit } = libraries();
  if (EDITING[item] && window.view) {
    webkit.webkit_web_view_execute_editing_command(window.view, cString(EDITING[item]));
  } else if (item === "Minimize") window.minimize(true);
  else if (item === "Maximize") window.maximize(!window.maximized);
  else if (item === "Fullscreen") window.setFullscreen(!window.fullscreen);
  else if (item === "CloseWindow") gtk.gtk_window_close(window.handle); // asks first, as the close button
  wakeLoop();
}

/** Tauri's labels mark a mnemonic with `&` (`&&` is an ampersand); GTK's with `_`. */
export function gtkLabel(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "_") out += "__";
    else if (c === "&" && text[i + 1] === "&") out += "&", i++;
    else if (c === "&" && i + 1 < text.length) out += "_";
    else out += c;
  }
  return out;
}

const MODIFIERS: Record<string, string> = {
  ctrl: "<Control>",
  control: "<Control>",
  cmdorctrl: "<Control>",
  commandorcontrol: "<Control>",
  cmdorcontrol: "<Control>",
  commandorctrl: "<Control>",
  cmd: "<Super>",
  command: "<Super>",
  super: "<Super>",
  meta: "<Meta>",
  alt: "<Alt>",
  option: "<Alt>",
  altgr: "<Alt>",
  shift: "<Shift>",
};
const KEYS: Record<string, string> = {
  enter: "Return",
  return: "Return",
  space: "space",
  esc: "Escape",
  escape: "Escape",
  tab: "Tab",
  backspace: "BackSpace",
  delete: "Delete",
  del: "Delete",
  insert: "Insert",
  home: "Home",
  end: "End",
  pageup: "Page_Up",
  pagedown: "Page_Down",
  up: "Up",
  down: "Down",
  left: "Left",
  right: "Right",
  plus: "plus",
  minus: "minus",
  comma: "comma",
  period: "period",
  slash: "slash",
  backquote: "grave",
  equal: "equal",
};

/** A Tauri accelerator ("CmdOrCtrl+Shift+S") as GTK's key and modifiers; throws when it is not one. */
export function parseAccelerator(text: string): { key: number; mods: number } {
  const parts = text.split("+").map((p) => p.trim());
  if (text.endsWith("++")) parts.splice(-2, 2, "plus");
  const keyName = parts.pop() ?? "";
  let gtkText = "";
  for (const part of parts) {
    const mod = MODIFIERS[part.toLowerCase()];
    if (!mod) throw new Error(`invalid accelerator ${JSON.stringify(text)}: unknown modifier ${part}`);
    gtkText += mod;
  }
  const lower = keyName.toLowerCase();
  const key = /^key[a-z]$/.test(lower)
    ? lower.slice(3)
    : /^digit[0-9]$/.test(lower)
    ? lower.slice(5)
    : KEYS[lower] ?? (/^f([1-9]|1[0-9]|2[0-4])$/.test(lower) ? keyName.toUpperCase() : lower);
  if (!/^[A-Za-z0-9_]+$/.test(key)) {
    throw new Error(`invalid accelerator ${JSON.stringify(text)}: unknown key ${keyName}`);
  }
  const { gtk } = libraries();
  const keyOut = new Uint32Array(1), modsOut = new Uint32Array(1);
  gtk.gtk_accelerator_parse(
    cString(gtkText + key),
    new Uint8Array(keyOut.buffer),
    new Uint8Array(modsOut.buffer),
  );
  if (keyOut[0] === 0) throw new Error(`invalid accelerator ${JSON.stringify(text)}: unknown key ${keyName}`);
  return { key: keyOut[0], mods: modsOut[0] };
}

/** The pointer's position in a GdkWindow, in its logical pixels. */
function pointerIn(gdkWindow: Deno.PointerValue): { x: number; y: number } {
  const { gdk } = libraries();
  const x = new Int32Array(1), y = new Int32Array(1), mask = new Uint32Array(1);
  const seat = gdk.gdk_display_get_default_seat(gdk.gdk_display_get_default());
  const pointer = seat ? gdk.gdk_seat_get_pointer(seat) : null;
  if (pointer) {
    gdk.gdk_window_get_device_position(
      gdkWindow,
      pointer,
      new Uint8Array(x.buffer),
      new Uint8Array(y.buffer),
      new Uint8Array(mask.buffer),
    );
  }
  return { x: x[0], y: y[0] };
}

/** The widget for one node (a container's children within it). */
function build(node: NativeMenuNode, place: Place): Shown | null {
  const { gtk, gobject } = libraries();
  if (node.kind === "Predefined" && NOT_ON_GTK.has(node.predefined ?? "")) return null;
  const separator = node.kind === "Predefined" && node.predefined === "Separator";
  const label = cString(gtkLabel(node.text));
  const widget = separator
    ? gtk.gtk_separator_menu_item_new()
    : node.kind === "Check"
    ? gtk.gtk_check_menu_item_new_with_mnemonic(label)
    : gtk.gtk_menu_item_new_with_mnemonic(label);
  const shown: Shown = { handle: nextHandle++, node, widget, shell: null, children: [], place };
  register(shown);
  if (node.kind === "Submenu") {
    shown.shell = gtk.gtk_menu_new();
    gtk.gtk_menu_item_set_submenu(widget, shown.shell);
    fill(shown);
  } else if (!separator) {
    gobject.g_signal_connect_data(
      widget,
      cString("activate"),
      signals().activated.pointer,
      Deno.UnsafePointer.create(BigInt(shown.handle)),
      null,
      0,
    );
  }
  apply(shown);
  return shown;
}

function register(shown: Shown): void {
  const set = live.get(shown.node.key) ?? new Set();
  live.set(shown.node.key, set.add(shown));
  handles.set(shown.handle, shown);
}

/** Forgets a widget and its children (they are being destroyed). */
function forget(shown: Shown): void {
  const set = live.get(shown.node.key);
  set?.delete(shown);
  if (set?.size === 0) live.delete(shown.node.key);
  handles.delete(shown.handle);
  for (const child of shown.children) forget(child);
  shown.children = [];
}

/** The container's children, built anew from its node. */
function fill(shown: Shown): void {
  const { gtk } = libraries();
  for (const child of shown.children.splice(0)) {
    forget(child);
    gtk.gtk_widget_destroy(child.widget);
  }
  for (const item of shown.node.items) {
    const child = build(item, shown.place);
    if (!child) continue;
    gtk.gtk_menu_shell_append(shown.shell, child.widget);
    shown.children.push(child);
  }
  gtk.gtk_widget_show_all(shown.shell);
}

/** The node's text, enabled and checked state and accelerator, onto its widget. */
function apply(shown: Shown): void {
  const { gtk } = libraries();
  const { node, widget } = shown;
  if (node.kind === "Menu") return;
  if (!(node.kind === "Predefined" && node.predefined === "Separator")) {
    gtk.gtk_menu_item_set_label(widget, cString(gtkLabel(node.text)));
  }
  gtk.gtk_widget_set_sensitive(widget, node.enabled ? 1 : 0);
  if (node.kind === "Check" && (gtk.gtk_check_menu_item_get_active(widget) !== 0) !== node.checked) {
    quiet = true;
    try {
      gtk.gtk_check_menu_item_set_active(widget, node.checked ? 1 : 0);
    } finally {
      quiet = false;
    }
  }
  const accel = shown.place.accel;
  if (!accel || node.kind === "Submenu") return;
  const want = node.accelerator ? parseAccelerator(node.accelerator) : undefined;
  if (want?.key === shown.bound?.key && want?.mods === shown.bound?.mods) return;
  if (shown.bound) gtk.gtk_widget_remove_accelerator(widget, accel, shown.bound.key, shown.bound.mods);
  shown.bound = want;
  if (want) {
    gtk.gtk_widget_add_accelerator(
      widget,
      cString("activate"),
      accel,
      want.key,
      want.mods,
      GTK_ACCEL_VISIBLE,
    );
  }
}

/** A menu bar's or context menu's widget, showing `menu`; forgotten when GTK destroys it. */
function rootOf(menu: MenuNode, widget: Deno.PointerValue, place: Place): Shown {
  const root: Shown = { handle: nextHandle++, node: menu, widget, shell: widget, children: [], place };
  register(root);
  libraries().gobject.g_signal_connect_data(
    root.widget,
    cString("destroy"),
    signals().destroyed.pointer,
    Deno.UnsafePointer.create(BigInt(root.handle)),
    null,
    0,
  );
  return root;
}

function drop(root: Shown): void {
  forget(root);
  libraries().gtk.gtk_widget_destroy(root.widget);
}

function windowState(window: NativeWindow) {
  const key = keyOf(window.handle);
  let state = windows.get(key);
  if (!state) {
    const { gtk } = libraries();
    const accel = gtk.gtk_accel_group_new();
    gtk.gtk_window_add_accel_group(window.handle, accel);
    state = { bar: null, popup: null, accel };
    windows.set(key, state);
    libraries().gobject.g_signal_connect_data(
      window.handle,
      cString("destroy"),
      signals().windowGone.pointer,
      Deno.UnsafePointer.create(key),
      null,
      0,
    );
  }
  return state;
}

/** The menus of one window: what the core's menu plugin is given for it (core/plugins/menu.ts MenuSurface). */
export interface NativeMenus {
  setBar(menu: NativeMenuNode | null, activate: Activate): void;
  popup(menu: NativeMenuNode, at: { x: number; y: number } | null, activate: Activate): void;
  changed(node: NativeMenuNode): void;
  checkAccelerator(text: string): void;
}

/** Updates every widget showing `node` (its own state; a container's children are built anew). */
function changed(node: NativeMenuNode): void {
  for (const shown of [...live.get(node.key) ?? []]) {
    if (!handles.has(shown.handle)) continue;
    apply(shown);
    if (shown.shell) fill(shown);
  }
  wakeLoop();
}

/** The menus of the window `window` (undefined until it exists: then nothing is shown). */
export function nativeMenus(window: () => NativeWindow | undefined): NativeMenus {
  return {
    setBar(menu, activate) {
      const native = window();
      if (!native || native.destroyed || !native.box) return;
      const { gtk } = libraries();
      const state = windowState(native);
      if (state.bar) drop(state.bar);
      state.bar = null;
      if (menu) {
        const bar = gtk.gtk_menu_bar_new();
        const root = rootOf(menu, bar, { window: native, activate, accel: state.accel });
        gtk.gtk_box_pack_start(native.box, bar, 0, 0, 0);
        gtk.gtk_box_reorder_child(native.box, bar, 0);
        fill(root);
        state.bar = root;
      }
      wakeLoop();
    },
    popup(menu, at, activate) {
      const native = window();
      if (!native || native.destroyed) throw new Error("the window is not open");
      const { gtk } = libraries();
      const state = windowState(native);
      if (state.popup) drop(state.popup);
      state.popup = null;
      const shell = gtk.gtk_menu_new();
      const root = rootOf(menu, shell, { window: native, activate, accel: null });
      gtk.gtk_menu_attach_to_widget(shell, native.handle, null);
      fill(root);
      state.popup = root;
      const gdkWindow = gtk.gtk_widget_get_window(native.handle);
      if (gdkWindow) {
        // No position: where the pointer is (as muda does; GTK's popup_at_pointer needs a trigger event).
        const where = at ?? pointerIn(gdkWindow);
        const rect = new Int32Array([Math.round(where.x), Math.round(where.y), 1, 1]);
        gtk.gtk_menu_popup_at_rect(
          shell,
          gdkWindow,
          new Uint8Array(rect.buffer),
          GDK_GRAVITY_NORTH_WEST,
          GDK_GRAVITY_NORTH_WEST,
          null,
        );
      }
      wakeLoop();
    },
    changed,
    checkAccelerator(text) {
      parseAccelerator(text);
    },
  };
}

/** An item as the test driver reads it from GTK. */
export interface ShownItem {
  kind: "item" | "check" | "separator" | "submenu";
  /** GTK's label (mnemonics as GTK holds them: "_File"). */
  label: string;
  sensitive: boolean;
  /** A check item's state; null for the others. */
  checked: boolean | null;
  items: ShownItem[];
  /** Activates it as a click does (gtk_menu_shell_activate_item: the menu closes, the item activates). */
  activate(): void;
}

type Box = { x: number; y: number; width: number; height: number };

function allocation(widget: Deno.PointerValue): Box {
  const box = new Int32Array(4);
  libraries().gtk.gtk_widget_get_allocation(widget, new Uint8Array(box.buffer));
  return { x: box[0], y: box[1], width: box[2], height: box[3] };
}

function children(shell: Deno.PointerValue): Deno.PointerValue[] {
  const { gtk, glib } = libraries();
  const list = gtk.gtk_container_get_children(shell);
  const out: Deno.PointerValue[] = [];
  for (let node = list; node !== null;) {
    const view = new Deno.UnsafePointerView(node);
    out.push(view.getPointer(0));
    node = view.getPointer(8);
  }
  if (list) glib.g_list_free(list);
  return out;
}

function read(item: Deno.PointerValue): ShownItem {
  const { gtk, gobject } = libraries();
  const is = (type: bigint | number) => gobject.g_type_check_instance_is_a(item, BigInt(type)) !== 0;
  const submenu = gtk.gtk_menu_item_get_submenu(item);
  const check = is(gtk.gtk_check_menu_item_get_type());
  const separator = is(gtk.gtk_separator_menu_item_get_type());
  return {
    kind: separator ? "separator" : check ? "check" : submenu ? "submenu" : "item",
    label: separator ? "" : readCString(gtk.gtk_menu_item_get_label(item)) ?? "",
    sensitive: gtk.gtk_widget_get_sensitive(item) !== 0,
    checked: check ? gtk.gtk_check_menu_item_get_active(item) !== 0 : null,
    items: submenu ? children(submenu).map(read) : [],
    // What a click does: the menu closes, then the item is activated.
    activate: () => {
      gtk.gtk_menu_shell_activate_item(gtk.gtk_widget_get_parent(item), item, 1);
      wakeLoop();
    },
  };
}

const titleOf = (window: bigint) =>
  readCString(libraries().gtk.gtk_window_get_title(Deno.UnsafePointer.create(window))) ?? "";

/** The test driver: what GTK shows of the menus of the window titled `title`. Refused unless
 * AIRLOCK_TEST_MENUS=1. */
export function menuTestDriver() {
  if (Deno.env.get("AIRLOCK_TEST_MENUS") !== "1") {
    throw new Error("the menu test driver is off: it drives menus only with AIRLOCK_TEST_MENUS=1");
  }
  const stateOf = (title: string) => [...windows].find(([window]) => titleOf(window) === title)?.[1];
  return {
    /** The window's menu bar: its items, and where GTK placed it and the web view (null: no bar). */
    bar(title: string): { items: ShownItem[]; bar: Box; view: Box; first: boolean } | null {
      const bar = stateOf(title)?.bar;
      if (!bar) return null;
      const { gtk } = libraries();
      const box = gtk.gtk_widget_get_parent(bar.widget);
      const [first, ...rest] = children(box);
      return {
        items: children(bar.widget).map(read),
        bar: allocation(bar.widget),
        view: allocation(rest.find((w) => keyOf(w) !== keyOf(bar.widget)) ?? null),
        first: keyOf(first) === keyOf(bar.widget),
      };
    },
    /** The window's last context menu: whether it is up, its items, and its screen position against the
     * window's. */
    popup(title: string): {
      visible: boolean;
      items: ShownItem[];
      at: { x: number; y: number };
      pointer: { x: number; y: number };
    } | null {
      const popup = stateOf(title)?.popup;
      if (!popup) return null;
      const { gtk, gdk } = libraries();
      const origin = (widget: Deno.PointerValue) => {
        const x = new Int32Array(1), y = new Int32Array(1);
        const gdkWindow = gtk.gtk_widget_get_window(widget);
        if (gdkWindow) {
          gdk.gdk_window_get_origin(gdkWindow, new Uint8Array(x.buffer), new Uint8Array(y.buffer));
        }
        return { x: x[0], y: y[0] };
      };
      const menuAt = origin(gtk.gtk_widget_get_toplevel(popup.widget));
      const windowAt = origin(popup.place.window.handle);
      return {
        visible: gtk.gtk_widget_get_mapped(popup.widget) !== 0,
        items: children(popup.widget).map(read),
        at: { x: menuAt.x - windowAt.x, y: menuAt.y - windowAt.y },
        /** Where the pointer is in the window. */
        pointer: pointerIn(gtk.gtk_widget_get_window(popup.place.window.handle)),
      };
    },
    /** How many widgets show some menu or item now (all of them go with their windows). */
    get live(): number {
      return handles.size;
    },
  };
}
