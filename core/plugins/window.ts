// Tauri's window plugin ("plugin:window|…"), the commands @tauri-apps/api's window and webviewWindow
// modules send, with Tauri's argument and result shapes: `{ label, value }` in, physical sizes and
// positions (`{ width, height }`, `{ x, y }`), Tauri's Monitor, booleans out; sizes and positions in are
// Tauri's tagged `{ Physical: {…} }` / `{ Logical: {…} }`. A page acts on its own window: a label naming
// another is refused, not ignored (the policy issue's capabilities will say when one may).
import type { Commands } from "../router.ts";
import { type Schema, t } from "../schema.ts";
import type { Position, Size } from "../../protocol/geometry.ts";

/** What the host lets the core do to a window (native/window.ts has the GTK side). */
export interface WindowControl {
  readonly title: string;
  setTitle(title: string): void;
  /** Tauri's close: asks first (tauri://close-requested), closes unless a listener prevents it. */
  requestClose(): Promise<void>;
  /** Closes at once. */
  destroy(): Promise<void>;
  readonly native: {
    readonly scaleFactor: number;
    readonly innerSize: Size;
    readonly position: Position;
    readonly visible: boolean;
    readonly maximized: boolean;
    readonly minimized: boolean;
    readonly fullscreen: boolean;
    readonly focused: boolean;
    readonly resizable: boolean;
    readonly decorated: boolean;
    readonly alwaysOnTop: boolean;
    readonly theme: "dark" | "light";
    readonly urgent: boolean;
    readonly focusable: boolean;
    readonly enabled: boolean;
    setSkipTaskbar(on: boolean): void;
    setUrgent(on: boolean): void;
    setFocusable(on: boolean): void;
    setEnabled(on: boolean): void;
    readonly closable: boolean;
    setAlwaysOnBottom(on: boolean): void;
    setOnAllWorkspaces(on: boolean): void;
    setClosable(on: boolean): void;
    setBackground(rgba: [number, number, number, number]): void;
    setTheme(theme: "dark" | "light" | null): void;
    setSize(size: Size): void;
    setPosition(position: Position): void;
    setSizeLimits(limits: { min?: Size | null; max?: Size | null }): void;
    setVisible(visible: boolean): void;
    maximize(on: boolean): void;
    minimize(on: boolean): void;
    setFullscreen(on: boolean): void;
    setResizable(on: boolean): void;
    setDecorated(on: boolean): void;
    setAlwaysOnTop(on: boolean): void;
    focus(): void;
    center(): void;
    currentMonitor(): unknown;
    primaryMonitor(): unknown;
    availableMonitors(): unknown[];
  };
}

const labelOnly = t.object({ label: t.optional(t.string({ max: 64 })) }, { extra: true });
const withBoolean = t.object({ label: t.optional(t.string({ max: 64 })), value: t.boolean() });
const withTitle = t.object({ label: t.optional(t.string({ max: 64 })), value: t.string({ max: 1024 }) });
// X11 coordinates are 16-bit and GDK refuses windows over 32767 pixels (a larger one lost the X
// connection, which ends the process): sizes up to 16384, positions within ±16384.
export const MAX_DIMENSION = 16_384;
const dimension = t.number({ min: 1, max: MAX_DIMENSION });
const coordinate = t.number({ min: -MAX_DIMENSION, max: MAX_DIMENSION });
const sizeValue = t.object({ width: dimension, height: dimension });
const positionValue = t.object({ x: coordinate, y: coordinate });

/**
 * Tauri's externally tagged units — `{ Physical: v }` or `{ Logical: v }`, exactly one — as physical
 * pixels (a logical value is scaled by the window's factor). `v` is a size, a position or one number.
 */
function physical<T extends number | Record<string, number>>(
  schema: Schema<T>,
  value: unknown,
  scale: number,
  where: string,
  shape: string,
): T {
  const tagged = t.object({ Physical: t.optional(schema), Logical: t.optional(schema) }).parse(value, where);
  if ((tagged.Physical === undefined) === (tagged.Logical === undefined)) {
    throw new Error(`${where}: expected { Physical: ${shape} } or { Logical: ${shape} }`);
  }
  if (tagged.Physical !== undefined) return tagged.Physical;
  const logical = tagged.Logical!;
  if (typeof logical === "number") return logical * scale as T;
  return Object.fromEntries(Object.entries(logical).map(([key, n]) => [key, n * scale])) as T;
}
const size = (value: unknown, scale: number, where: string): Size =>
  physical(sizeValue, value, scale, where, "{ width, height }");
const position = (value: unknown, scale: number, where: string): Position =>
  physical(positionValue, value, scale, where, "{ x, y }");

/**
 * The window plugin for the page of window `caller`.
 * @param windows the open windows by label (for get_all_windows), and the caller's own controls.
 */
export function windowCommands(
  caller: string,
  windows: { labels(): string[]; get(label: string): WindowControl | undefined },
  themeChanged: (theme: "dark" | "light") => void = () => {},
): Commands {
  /** GTK's preference is the whole app's: every window hears tauri://theme-changed when it turns. */
  const setTheme = (window: WindowControl, theme: "dark" | "light" | null) => {
    const before = window.native.theme;
    window.native.setTheme(theme);
    if (window.native.theme !== before) themeChanged(window.native.theme);
  };
  /** The caller's window, after checking the label the page gave. */
  const own = (
    args: unknown,
    schema: { parse(value: unknown, where: string): { label?: string } } = labelOnly,
  ) => {
    const { label } = schema.parse(args, "args");
    if (label !== undefined && label !== "" && label !== caller) {
      throw new Error(`window ${JSON.stringify(label)} is not this page's window`);
    }
    const window = windows.get(caller);
    if (!window) throw new Error(`window ${JSON.stringify(caller)} is closed`);
    return window;
  };
  const getter = (read: (window: WindowControl) => unknown) => (args: unknown) => read(own(args));
  const flag = (apply: (window: WindowControl, on: boolean) => void) => (args: unknown) => {
    const window = own(args, withBoolean);
    apply(window, withBoolean.parse(args, "args").value);
    return null;
  };
  // Done before the answer: the page's next call (isVisible after hide) must see it done, and the answer
  // may go back in the same turn of GTK's loop (answers in place).
  const action = (apply: (window: WindowControl) => unknown) => (args: unknown) => {
    apply(own(args));
    return null;
  };
  // Closing is the exception: it may end the page the answer goes back to, so it runs just after.
  const ending = (apply: (window: WindowControl) => unknown) => (args: unknown) => {
    const window = own(args);
    void Promise.resolve().then(() => apply(window)).catch((error) =>
      console.error(`airlock: closing a window failed: ${(error as Error)?.message ?? error}`)
    );
    return null;
  };
  const limit = (which: "min" | "max") => (args: unknown) => {
    const window = own(args);
    const value = (args as { value?: unknown }).value;
    window.native.setSizeLimits({
      [which]: value === null || value === undefined
        ? null
        : size(value, window.native.scaleFactor, "args.value"),
    });
    return null;
  };
  return {
    "plugin:window|get_all_windows": () => windows.labels(),
    "plugin:window|title": getter((w) => w.title),
    "plugin:window|set_title": (args) => {
      own(args, withTitle).setTitle(withTitle.parse(args, "args").value);
      return null;
    },
    "plugin:window|scale_factor": getter((w) => w.native.scaleFactor),
    "plugin:window|inner_size": getter((w) => w.native.innerSize),
    "plugin:window|outer_size": getter((w) => w.native.innerSize), // GTK draws no frame of its own here
    "plugin:window|inner_position": getter((w) => w.native.position),
    "plugin:window|outer_position": getter((w) => w.native.position),
    "plugin:window|is_visible": getter((w) => w.native.visible),
    "plugin:window|is_maximized": getter((w) => w.native.maximized),
    "plugin:window|is_minimized": getter((w) => w.native.minimized),
    "plugin:window|is_fullscreen": getter((w) => w.native.fullscreen),
    "plugin:window|is_focused": getter((w) => w.native.focused),
    "plugin:window|is_resizable": getter((w) => w.native.resizable),
    "plugin:window|is_decorated": getter((w) => w.native.decorated),
    "plugin:window|is_always_on_top": getter((w) => w.native.alwaysOnTop),
    "plugin:window|is_maximizable": getter(() => true),
    "plugin:window|is_minimizable": getter(() => true),
    "plugin:window|is_closable": getter((w) => w.native.closable),
    "plugin:window|set_closable": flag((w, on) => w.native.setClosable(on)),
    "plugin:window|set_always_on_bottom": flag((w, on) => w.native.setAlwaysOnBottom(on)),
    "plugin:window|set_visible_on_all_workspaces": flag((w, on) => w.native.setOnAllWorkspaces(on)),
    // GTK draws no shadow of its own for these windows, and keeps maximize and minimize for the window
    // manager: accepted, nothing to change.
    "plugin:window|set_shadow": flag(() => {}),
    "plugin:window|set_maximizable": flag(() => {}),
    "plugin:window|set_minimizable": flag(() => {}),
    "plugin:window|set_background_color": (args) => {
      const window = own(args);
      window.native.setBackground(color((args as { value?: unknown }).value));
      return null;
    },
    "plugin:window|is_enabled": getter((w) => w.native.enabled),
    "plugin:window|set_enabled": flag((w, on) => w.native.setEnabled(on)),
    "plugin:window|set_focusable": flag((w, on) => w.native.setFocusable(on)),
    "plugin:window|set_skip_taskbar": flag((w, on) => w.native.setSkipTaskbar(on)),
    // Tauri's { type: "Critical" | "Informational" } or null: GTK has one urgency hint for both.
    "plugin:window|request_user_attention": (args) => {
      const window = own(args);
      const value = (args as { value?: unknown }).value;
      if (value !== null && value !== undefined) {
        t.object({ type: t.oneOf("Critical", "Informational") }).parse(value, "args.value");
      }
      window.native.setUrgent(value !== null && value !== undefined);
      return null;
    },
    // { minWidth, minHeight, maxWidth, maxHeight }, each { Logical: n } or { Physical: n } or null.
    "plugin:window|set_size_constraints": (args) => {
      const window = own(args);
      const raw = (args as { value?: unknown }).value;
      const value = t.object({
        minWidth: t.optional(t.unknown()),
        minHeight: t.optional(t.unknown()),
        maxWidth: t.optional(t.unknown()),
        maxHeight: t.optional(t.unknown()),
      }).parse(raw ?? {}, "args.value") as Record<string, unknown>;
      const scale = window.native.scaleFactor;
      const unit = (item: unknown, where: string): number | undefined =>
        item === null || item === undefined ? undefined : physical(dimension, item, scale, where, "n");
      const minW = unit(value.minWidth, "args.value.minWidth"),
        minH = unit(value.minHeight, "args.value.minHeight");
      const maxW = unit(value.maxWidth, "args.value.maxWidth"),
        maxH = unit(value.maxHeight, "args.value.maxHeight");
      if (
        (minW !== undefined && maxW !== undefined && minW > maxW) ||
        (minH !== undefined && maxH !== undefined && minH > maxH)
      ) {
        throw new Error("args.value: a minimum is larger than its maximum");
      }
      window.native.setSizeLimits({
        min: minW === undefined && minH === undefined ? null : { width: minW ?? 1, height: minH ?? 1 },
        max: maxW === undefined && maxH === undefined
          ? null
          : { width: maxW ?? MAX_DIMENSION, height: maxH ?? MAX_DIMENSION },
      });
      return null;
    },
    "plugin:window|theme": getter((w) => w.native.theme),
    "plugin:window|set_theme": (args) => {
      const window = own(args);
      const value = (args as { value?: unknown }).value;
      if (value !== null && value !== undefined && value !== "dark" && value !== "light") {
        throw new Error(`args.value: expected "light", "dark" or null`);
      }
      setTheme(window, (value ?? null) as "dark" | "light" | null);
      return null;
    },
    "plugin:window|current_monitor": getter((w) => w.native.currentMonitor()),
    "plugin:window|primary_monitor": getter((w) => w.native.primaryMonitor()),
    "plugin:window|available_monitors": getter((w) => w.native.availableMonitors()),
    "plugin:window|set_size": (args) => {
      const window = own(args);
      window.native.setSize(
        size((args as { value?: unknown }).value, window.native.scaleFactor, "args.value"),
      );
      return null;
    },
    "plugin:window|set_min_size": limit("min"),
    "plugin:window|set_max_size": limit("max"),
    "plugin:window|set_position": (args) => {
      const window = own(args);
      window.native.setPosition(
        position((args as { value?: unknown }).value, window.native.scaleFactor, "args.value"),
      );
      return null;
    },
    "plugin:window|set_resizable": flag((w, on) => w.native.setResizable(on)),
    "plugin:window|set_decorations": flag((w, on) => w.native.setDecorated(on)),
    "plugin:window|set_always_on_top": flag((w, on) => w.native.setAlwaysOnTop(on)),
    "plugin:window|set_fullscreen": flag((w, on) => w.native.setFullscreen(on)),
    "plugin:window|center": action((w) => w.native.center()),
    "plugin:window|maximize": action((w) => w.native.maximize(true)),
    "plugin:window|unmaximize": action((w) => w.native.maximize(false)),
    "plugin:window|toggle_maximize": action((w) => w.native.maximize(!w.native.maximized)),
    "plugin:window|minimize": action((w) => w.native.minimize(true)),
    "plugin:window|unminimize": action((w) => w.native.minimize(false)),
    "plugin:window|show": action((w) => w.native.setVisible(true)),
    "plugin:window|hide": action((w) => w.native.setVisible(false)),
    "plugin:window|set_focus": action((w) => w.native.focus()),
    "plugin:window|close": ending((w) => w.requestClose()),
    "plugin:window|destroy": ending((w) => w.destroy()),
    "plugin:window|internal_toggle_maximize": action((w) => w.native.maximize(!w.native.maximized)),
    ...notYet("window", NOT_YET_WINDOW),
    ...notYet("webview", NOT_YET_WEBVIEW),
  };
}

// Tauri's commands Airlock does not carry out yet: they answer saying so, not "unknown command" (a name
// is unknown only when Tauri has no such command either).
const NOT_YET_WINDOW = [
  "create",
  "set_content_protected",
  "set_simple_fullscreen",
  "set_cursor_grab",
  "set_cursor_visible",
  "set_ignore_cursor_events",
  "set_cursor_position",
  "set_effects",
  "set_cursor_icon",
  "start_resize_dragging",
  "start_dragging",
  "set_progress_bar",
  "set_badge_count",
  "set_badge_label",
  "set_overlay_icon",
  "set_icon",
  "set_title_bar_style",
  "set_fullscreen_on_monitor",
  "cursor_position",
  "monitor_from_point",
  "activity_name",
  "scene_identifier",
];
const NOT_YET_WEBVIEW = [
  "create_webview",
  "webview_position",
  "webview_size",
  "set_webview_size",
  "set_webview_position",
  "set_webview_focus",
  "set_webview_zoom",
  "set_webview_auto_resize",
  "set_webview_background_color",
  "webview_hide",
  "webview_show",
  "reparent",
  "clear_all_browsing_data",
];

/** Tauri's Color: [r, g, b], [r, g, b, a], { red, green, blue, alpha } or "#rrggbb[aa]"; null: white. */
function color(value: unknown): [number, number, number, number] {
  if (value === null || value === undefined) return [255, 255, 255, 255];
  const byte = (n: unknown) => {
    if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > 255) {
      throw new Error("args.value: colour parts are 0–255");
    }
    return n as number;
  };
  if (Array.isArray(value) && (value.length === 3 || value.length === 4)) {
    return [byte(value[0]), byte(value[1]), byte(value[2]), value.length === 4 ? byte(value[3]) : 255];
  }
  if (typeof value === "string" && /^#?([0-9a-f]{6}|[0-9a-f]{8})$/i.test(value)) {
    const hex = value.replace("#", "");
    const part = (i: number) => parseInt(hex.slice(i, i + 2), 16);
    return [part(0), part(2), part(4), hex.length === 8 ? part(6) : 255];
  }
  if (typeof value === "object") {
    const { red, green, blue, alpha } = value as Record<string, unknown>;
    return [byte(red), byte(green), byte(blue), alpha === undefined ? 255 : byte(alpha)];
  }
  throw new Error("args.value: expected a colour ([r, g, b, a], { red, green, blue, alpha } or #rrggbbaa)");
}

function notYet(plugin: string, names: string[]): Commands {
  const out: Commands = {};
  for (const name of names) {
    out[`plugin:${plugin}|${name}`] = () => {
      throw new Error(`plugin:${plugin}|${name} is a Tauri command Airlock does not support yet`);
    };
  }
  return out;
}
