// Tauri's menu plugin ("plugin:menu|…", core:menu), the commands @tauri-apps/api/menu sends: menus,
// submenus, items, check items and predefined items as app-wide resources (Tauri keeps them in the app's
// resources table), shown by the host (native/menu.ts: GTK) as a window's menu bar or a context menu.
// An item's `action` is the Channel its page gave with it (the `handler` of plugin:menu|new, or of the
// item's options when nested): activating the item sends the item's id through it, as Tauri's menu plugin
// does on a MenuEvent, so only the page that created the item hears it. Tray icons (plugin:tray|…) are
// not carried out: see docs/api.md.
import type { Channel } from "../events.ts";
import type { CommandContext, Commands } from "../router.ts";
import type { WindowControl } from "./window.ts";
import { addAppResource, pluginState } from "./app_state.ts";
import type { Activate, ItemKind, MenuNode } from "../../protocol/menu.ts";

export type { Activate, ItemKind, MenuNode };

/** What the host shows of one window's menus (native/menu.ts NativeMenus). */
export interface MenuSurface {
  /** The window's menu bar, above the page; null removes it. */
  setBar(menu: MenuNode | null, activate: Activate): void;
  /** A context menu at `at` (logical pixels from the window's top left), or at the pointer. */
  popup(menu: MenuNode, at: { x: number; y: number } | null, activate: Activate): void;
  /** The node changed (text, enabled, checked, accelerator, or a container's items): shown anew. */
  changed(node: MenuNode): void;
  /** Throws when the accelerator ("CmdOrCtrl+Q") is not one the desktop can bind. */
  checkAccelerator(text: string): void;
}

interface Item {
  key: number;
  kind: ItemKind;
  id: string;
  text: string;
  enabled: boolean;
  checked: boolean;
  accelerator: string | null;
  predefined: string | null;
  items: Item[];
  /** The creating page's channel: its `action`. */
  channel: Channel | null;
}

interface MenuState {
  rids: Map<number, Item>;
  /** Each open window's menus, and what its items' activations do. */
  surfaces: Map<string, { surface: MenuSurface; activate: Activate }>;
  windowMenus: Map<string, Item>;
  appMenu: Item | null;
}

/** At most this many menu resources open in an app, items per menu, and menus within menus. */
export const MAX_MENU_RESOURCES = 10_000;
export const MAX_MENU_ITEMS = 1_000;
export const MAX_MENU_DEPTH = 16;
const MAX_TEXT = 1_024;

let nextKey = 1;

/** Tauri's predefined items, with the texts they show when the app gives none (muda's, without the
 * macOS-only ones' effect: those are shown nowhere on GTK). */
const PREDEFINED: Record<string, string> = {
  Separator: "",
  Copy: "&Copy",
  Cut: "Cu&t",
  Paste: "&Paste",
  SelectAll: "Select &All",
  Undo: "&Undo",
  Redo: "&Redo",
  Minimize: "&Minimize",
  Maximize: "Ma&ximize",
  Fullscreen: "Toggle &Full Screen",
  Hide: "&Hide",
  HideOthers: "Hide &Others",
  ShowAll: "Show &All",
  CloseWindow: "C&lose Window",
  Quit: "&Quit",
  Services: "Services",
};

const KINDS: ItemKind[] = ["Menu", "MenuItem", "Predefined", "Submenu", "Check", "Icon"];

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

function text(value: unknown, where: string): string {
  if (typeof value !== "string") throw new Error(`invalid arguments: ${where}: expected a string`);
  if (value.length > MAX_TEXT) {
    throw new Error(`invalid arguments: ${where}: longer than ${MAX_TEXT} characters`);
  }
  return value;
}
function optionalText(value: unknown, where: string): string | undefined {
  return value === undefined || value === null ? undefined : text(value, where);
}
function optionalBool(value: unknown, where: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new Error(`invalid arguments: ${where}: expected a boolean`);
  return value;
}
function kindOf(value: unknown, where: string): ItemKind {
  if (!KINDS.includes(value as ItemKind)) {
    throw new Error(`invalid arguments: ${where}: expected one of ${KINDS.join(", ")}`);
  }
  return value as ItemKind;
}

const contains = (menu: Item, item: Item): boolean =>
  menu === item || menu.items.some((c) => contains(c, item));
const depth = (item: Item): number => 1 + Math.max(0, ...item.items.map(depth));

export interface MenuWindow {
  label: string;
  signal: AbortSignal;
  windows: { labels(): string[]; get(label: string): WindowControl | undefined };
  menus?: MenuSurface;
}

/** The menu plugin for the page of `window`; `app` is the app's config object (its state's key). */
export function menuCommands(app: object, window: MenuWindow): Commands {
  const state = pluginState<MenuState>(app, "menu", () => ({
    rids: new Map(),
    surfaces: new Map(),
    windowMenus: new Map(),
    appMenu: null,
  }));
  const notify = (item: Item) => {
    for (const { surface } of state.surfaces.values()) return surface.changed(item);
  };

  // What activating an item in this window does: a check item's new state is kept (and shown wherever
  // else the item is), Quit closes the app's windows, and the creating page hears its item's id.
  const activate: Activate = (node, checked) => {
    const item = node as Item;
    if (item.kind === "Check" && item.checked !== checked) {
      item.checked = checked;
      notify(item);
    }
    if (item.kind === "Predefined" && item.predefined === "Quit") {
      for (const label of window.windows.labels()) void window.windows.get(label)?.destroy();
    }
    item.channel?.send(item.id).catch(() => {}); // the page may have gone
  };
  if (window.menus) {
    const surface = window.menus;
    state.surfaces.set(window.label, { surface, activate });
    // The app's menu bar, in a window opened after it was set (once the window exists: after this turn).
    queueMicrotask(() => {
      if (state.appMenu && !state.windowMenus.has(window.label) && !window.signal.aborted) {
        surface.setBar(state.appMenu, activate);
      }
    });
  }
  window.signal.addEventListener("abort", () => {
    state.surfaces.delete(window.label);
    state.windowMenus.delete(window.label);
  }, { once: true });

  const surface = (): MenuSurface => {
    if (!window.menus) throw new Error("no menus: this app runs without a desktop");
    return window.menus;
  };

  const addRid = (item: Item): number => {
    if (state.rids.size >= MAX_MENU_RESOURCES) {
      throw new Error(`too many menu resources open (${MAX_MENU_RESOURCES}): close some`);
    }
    const rid = addAppResource(app, () => state.rids.delete(rid));
    state.rids.set(rid, item);
    return rid;
  };
  const resource = (rid: unknown, kind?: unknown): Item => {
    const item = typeof rid === "number" ? state.rids.get(rid) : undefined;
    if (!item) throw new Error(`no menu resource with id ${JSON.stringify(rid)}`);
    if (kind !== undefined && kind !== null && kindOf(kind, "args.kind") !== item.kind) {
      throw new Error(`menu resource ${rid} is a ${item.kind}, not a ${kind}`);
    }
    return item;
  };
  const container = (args: Record<string, unknown>): Item => {
    const item = resource(args.rid, args.kind);
    if (item.kind !== "Menu" && item.kind !== "Submenu") throw new Error("unexpected menu item kind");
    return item;
  };
  const own = (label: unknown) => {
    if (label !== undefined && label !== null && label !== window.label) {
      throw new Error(`window ${JSON.stringify(label)} is not this page's window`);
    }
  };
  const described = (item: Item): [number, string, ItemKind] => [addRid(item), item.id, item.kind];

  function newItem(
    kind: ItemKind,
    options: Record<string, unknown>,
    channel: Channel | null,
    at: number,
  ): Item {
    if (at > MAX_MENU_DEPTH) throw new Error(`menus nest deeper than ${MAX_MENU_DEPTH} levels`);
    const key = nextKey++;
    let predefined: string | null = null;
    if (kind === "Predefined") {
      const given = options.item;
      if (isObject(given) && "About" in given) throw new Error("the About item is not supported yet");
      if (typeof given !== "string" || !(given in PREDEFINED)) {
        throw new Error(`invalid arguments: item: expected one of ${Object.keys(PREDEFINED).join(", ")}`);
      }
      predefined = given;
    }
    const accelerator = optionalText(options.accelerator, "accelerator") ?? null;
    if (accelerator !== null) surface().checkAccelerator(accelerator);
    const item: Item = {
      key,
      kind,
      id: optionalText(options.id, "id") ?? String(key),
      text: optionalText(options.text, "text") ?? (predefined !== null ? PREDEFINED[predefined] : ""),
      enabled: optionalBool(options.enabled, "enabled") ?? true,
      checked: optionalBool(options.checked, "checked") ?? false,
      accelerator,
      predefined,
      items: [],
      channel: kind === "MenuItem" || kind === "Check" || kind === "Icon" ? channel : null,
    };
    if (kind === "Menu" || kind === "Submenu") {
      const items = options.items ?? [];
      if (!Array.isArray(items)) throw new Error("invalid arguments: items: expected an array");
      item.items = payloads(items, at + 1);
      for (const child of item.items) {
        if (depth(child) + at > MAX_MENU_DEPTH) {
          throw new Error(`menus nest deeper than ${MAX_MENU_DEPTH} levels`);
        }
      }
    }
    return item;
  }

  // Tauri's MenuItemPayloadKind (serde untagged, in its order): an existing item as [rid, kind], then
  // a predefined item (`item`), a check item (`checked`), an icon item (`icon`), a submenu (`items`), an item.
  let context: CommandContext | null = null;
  function payloads(list: unknown[], at: number): Item[] {
    if (list.length > MAX_MENU_ITEMS) throw new Error(`more than ${MAX_MENU_ITEMS} items in one menu`);
    return list.map((payload, i) => {
      if (Array.isArray(payload)) return resource(payload[0], payload[1]);
      if (!isObject(payload)) {
        throw new Error(`invalid arguments: items[${i}]: expected an item or [rid, kind]`);
      }
      const kind: ItemKind = "item" in payload
        ? "Predefined"
        : typeof payload.checked === "boolean"
        ? "Check"
        : "icon" in payload
        ? "Icon"
        : "items" in payload
        ? "Submenu"
        : "MenuItem";
      if (kind !== "Predefined") text(payload.text, `items[${i}].text`);
      const handler = payload.handler;
      const channel = handler !== undefined && handler !== null && context ? context.channel(handler) : null;
      return newItem(kind, payload, channel, at);
    });
  }

  const placing = (args: Record<string, unknown>, place: (menu: Item, items: Item[]) => void) => {
    const menu = container(args);
    if (!Array.isArray(args.items)) throw new Error("invalid arguments: args.items: expected an array");
    const items = payloads(args.items, 1);
    for (const item of items) {
      if (contains(item, menu)) throw new Error("a menu cannot hold itself");
    }
    if (menu.items.length + items.length > MAX_MENU_ITEMS) {
      throw new Error(`more than ${MAX_MENU_ITEMS} items in one menu`);
    }
    place(menu, items);
    notify(menu);
    return null;
  };
  const args = (raw: unknown): Record<string, unknown> => {
    if (!isObject(raw)) throw new Error("invalid arguments: expected an object");
    return raw;
  };
  /** A command whose item arguments may carry channels of the calling page. */
  const withContext = <T>(ctx: CommandContext, body: () => T): T => {
    context = ctx;
    try {
      return body();
    } finally {
      context = null;
    }
  };
  const setBar = (label: string, menu: Item | null) => {
    const entry = state.surfaces.get(label);
    entry?.surface.setBar(menu, entry.activate);
  };

  return {
    "plugin:menu|new": (raw, ctx) =>
      withContext(ctx, () => {
        const a = args(raw);
        const kind = kindOf(a.kind, "args.kind");
        const options = a.options === undefined || a.options === null ? {} : a.options;
        if (!isObject(options)) throw new Error("invalid arguments: args.options: expected an object");
        if (kind === "Submenu" || kind === "MenuItem" || kind === "Check" || kind === "Icon") {
          options.text ??= "";
        }
        if (kind === "Predefined" && options.item === undefined) {
          throw new Error("invalid arguments: options.item: a predefined item needs one");
        }
        const channel = a.handler !== undefined && a.handler !== null ? ctx.channel(a.handler) : null;
        const item = newItem(kind, options, channel, 1);
        return [addRid(item), item.id];
      }),
    "plugin:menu|create_default": () => {
      const p = (name: string) => newItem("Predefined", { item: name }, null, 2);
      const sub = (label: string, items: Item[]): Item => {
        const submenu = newItem("Submenu", { text: label }, null, 1);
        submenu.items = items;
        return submenu;
      };
      const menu = newItem("Menu", {}, null, 0);
      menu.items = [
        sub("&File", [p("CloseWindow"), p("Quit")]),
        sub("&Edit", [p("Undo"), p("Redo"), p("Separator"), p("Cut"), p("Copy"), p("Paste"), p("SelectAll")]),
        sub("&View", [p("Fullscreen")]),
        sub("&Window", [p("Minimize"), p("Maximize"), p("Separator"), p("CloseWindow")]),
      ];
      return [addRid(menu), menu.id];
    },
    "plugin:menu|append": (raw, ctx) =>
      withContext(ctx, () => placing(args(raw), (menu, items) => menu.items.push(...items))),
    "plugin:menu|prepend": (raw, ctx) =>
      withContext(ctx, () => placing(args(raw), (menu, items) => menu.items.unshift(...items))),
    "plugin:menu|insert": (raw, ctx) =>
      withContext(ctx, () => {
        const a = args(raw);
        const position = a.position;
        const menu = container(a);
        if (
          !Number.isSafeInteger(position) || (position as number) < 0 ||
          (position as number) > menu.items.length
        ) {
          throw new Error(`invalid arguments: args.position: expected 0–${menu.items.length}`);
        }
        return placing(a, (menu, items) => menu.items.splice(position as number, 0, ...items));
      }),
    "plugin:menu|remove": (raw) => {
      const a = args(raw);
      const menu = container(a);
      if (!Array.isArray(a.item)) throw new Error("invalid arguments: args.item: expected [rid, kind]");
      const item = resource(a.item[0], a.item[1]);
      const index = menu.items.indexOf(item);
      if (index < 0) throw new Error("the item is not in this menu");
      menu.items.splice(index, 1);
      notify(menu);
      return null;
    },
    "plugin:menu|remove_at": (raw) => {
      const a = args(raw);
      const menu = container(a);
      const position = a.position;
      if (!Number.isSafeInteger(position) || (position as number) < 0) {
        throw new Error("invalid arguments: args.position: expected a non-negative integer");
      }
      const [item] = menu.items.splice(position as number, 1);
      if (!item) return null;
      notify(menu);
      return described(item);
    },
    "plugin:menu|items": (raw) => container(args(raw)).items.map(described),
    "plugin:menu|get": (raw) => {
      const a = args(raw);
      const id = text(a.id, "args.id");
      const item = container(a).items.find((i) => i.id === id);
      return item ? described(item) : null;
    },
    "plugin:menu|popup": (raw) => {
      const a = args(raw);
      const menu = container(a);
      own(a.window);
      let at: { x: number; y: number } | null = null;
      if (a.at !== undefined && a.at !== null) {
        const tagged = isObject(a.at) ? (a.at.Physical ?? a.at.Logical) : undefined;
        const { x, y } = isObject(tagged) ? tagged : {};
        if (
          !isObject(tagged) || typeof x !== "number" || typeof y !== "number" || !isFinite(x) || !isFinite(y)
        ) {
          throw new Error(
            "invalid arguments: args.at: expected { Physical: { x, y } } or { Logical: { x, y } }",
          );
        }
        const scale = isObject(a.at) && a.at.Physical !== undefined
          ? window.windows.get(window.label)?.native.scaleFactor ?? 1
          : 1;
        at = { x: x / scale, y: y / scale };
      }
      surface().popup(menu, at, activate);
      return null;
    },
    "plugin:menu|set_as_app_menu": (raw) => {
      const menu = resource(args(raw).rid, "Menu");
      surface();
      const previous = state.appMenu;
      state.appMenu = menu;
      for (const label of state.surfaces.keys()) {
        if (!state.windowMenus.has(label)) setBar(label, menu);
      }
      return previous ? [addRid(previous), previous.id] : null;
    },
    "plugin:menu|set_as_window_menu": (raw) => {
      const a = args(raw);
      const menu = resource(a.rid, "Menu");
      own(a.window);
      surface();
      const previous = state.windowMenus.get(window.label) ?? state.appMenu;
      state.windowMenus.set(window.label, menu);
      setBar(window.label, menu);
      return previous ? [addRid(previous), previous.id] : null;
    },
    "plugin:menu|text": (raw) => {
      const a = args(raw);
      const item = resource(a.rid, a.kind);
      if (item.kind === "Menu") throw new Error("unexpected menu item kind");
      return item.text;
    },
    "plugin:menu|set_text": (raw) => {
      const a = args(raw);
      const item = resource(a.rid, a.kind);
      if (item.kind === "Menu") throw new Error("unexpected menu item kind");
      item.text = text(a.text, "args.text");
      notify(item);
      return null;
    },
    "plugin:menu|is_enabled": (raw) => {
      const a = args(raw);
      const item = resource(a.rid, a.kind);
      if (item.kind === "Menu" || item.kind === "Predefined") throw new Error("unexpected menu item kind");
      return item.enabled;
    },
    "plugin:menu|set_enabled": (raw) => {
      const a = args(raw);
      const item = resource(a.rid, a.kind);
      if (item.kind === "Menu" || item.kind === "Predefined") throw new Error("unexpected menu item kind");
      const enabled = optionalBool(a.enabled, "args.enabled");
      if (enabled === undefined) throw new Error("invalid arguments: args.enabled: expected a boolean");
      item.enabled = enabled;
      notify(item);
      return null;
    },
    "plugin:menu|set_accelerator": (raw) => {
      const a = args(raw);
      const item = resource(a.rid, a.kind);
      if (item.kind !== "MenuItem" && item.kind !== "Check" && item.kind !== "Icon") {
        throw new Error("unexpected menu item kind");
      }
      const accelerator = optionalText(a.accelerator, "args.accelerator") ?? null;
      if (accelerator !== null) surface().checkAccelerator(accelerator);
      item.accelerator = accelerator;
      notify(item);
      return null;
    },
    "plugin:menu|is_checked": (raw) => resource(args(raw).rid, "Check").checked,
    "plugin:menu|set_checked": (raw) => {
      const a = args(raw);
      const item = resource(a.rid, "Check");
      const checked = optionalBool(a.checked, "args.checked");
      if (checked === undefined) throw new Error("invalid arguments: args.checked: expected a boolean");
      item.checked = checked;
      notify(item);
      return null;
    },
    // macOS's: nothing to do elsewhere, as in Tauri.
    "plugin:menu|set_as_windows_menu_for_nsapp": (raw) => {
      resource(args(raw).rid, "Submenu");
      return null;
    },
    "plugin:menu|set_as_help_menu_for_nsapp": (raw) => {
      resource(args(raw).rid, "Submenu");
      return null;
    },
    "plugin:menu|set_icon": () => {
      throw new Error("plugin:menu|set_icon: menu item icons are not supported yet");
    },
    ...trayCommands(),
  };
}

/** Tauri's tray commands (core:tray). */
export const TRAY_COMMANDS = [
  "new",
  "get_by_id",
  "remove_by_id",
  "set_icon",
  "set_menu",
  "set_tooltip",
  "set_title",
  "set_visible",
  "set_temp_dir_path",
  "set_icon_as_template",
  "set_show_menu_on_left_click",
];

/** Every tray command answers that tray icons are not carried out yet (docs/api.md says why). */
function trayCommands(): Commands {
  const out: Commands = {};
  for (const name of TRAY_COMMANDS) {
    out[`plugin:tray|${name}`] = () => {
      throw new Error(
        `plugin:tray|${name}: tray icons are not supported yet (Airlock has no StatusNotifierItem yet)`,
      );
    };
  }
  return out;
}
