// What a native window can be asked and told: sizes, positions, state, monitors — GTK 3's view of it, in
// Tauri's units (physical pixels for sizes and positions, as Tauri's PhysicalSize/PhysicalPosition).
// Without a window manager (bare Xvfb) GTK accepts maximize, minimize and fullscreen but nothing
// changes: the getters report what GTK and GDK say, not what was last asked for.
import { cString, type Libraries, readCString } from "./ffi.ts";
import { wakeLoop } from "./loop.ts";
import type { Monitor, Position, Size } from "../protocol/geometry.ts";

export type { Monitor, Position, Size };

// GdkWindowState bits.
const ICONIFIED = 1 << 1;
const MAXIMIZED = 1 << 2;
const FULLSCREEN = 1 << 4;
// GdkWindowHints bits, and GdkGeometry's layout (8 ints, 2 doubles, an int: 56 bytes on 64-bit).
const HINT_MIN_SIZE = 1 << 1;
const HINT_MAX_SIZE = 1 << 2;
const GEOMETRY_BYTES = 56;

const G_TYPE_BOOLEAN = 5n << 2n;
const DARK = "gtk-application-prefer-dark-theme";

/** GTK's dark-theme preference, for every window of the process (GTK keeps no per-window theme). */
export function darkTheme(lib: Libraries, dark?: boolean | null): boolean {
  const settings = lib.gtk.gtk_settings_get_default();
  if (!settings) return false;
  const value = new Uint8Array(24);
  lib.gobject.g_value_init(value, G_TYPE_BOOLEAN);
  if (dark !== undefined) {
    lib.gobject.g_value_set_boolean(value, dark ? 1 : 0);
    lib.gobject.g_object_set_property(settings, cString(DARK), value);
    wakeLoop();
  }
  lib.gobject.g_object_get_property(settings, cString(DARK), value);
  const result = lib.gobject.g_value_get_boolean(value) !== 0;
  lib.gobject.g_value_unset(value);
  return result;
}

/** A whole number of pixels GTK and X accept. */
const pixels = (n: number, min: number) =>
  Math.max(min, Math.min(16_384, Math.round(Number.isFinite(n) ? n : min)));

export class NativeWindow {
  #keepAbove = false;
  #min: Size | null = null;
  #max: Size | null = null;
  #window: Deno.PointerValue;
  #view: Deno.PointerValue;
  #box: Deno.PointerValue;
  #destroyed = false;

  constructor(
    private readonly lib: Libraries,
    window: Deno.PointerValue,
    view: Deno.PointerValue = null,
    box: Deno.PointerValue = null,
  ) {
    this.#window = window;
    this.#view = view;
    this.#box = box;
  }

  /** GTK has destroyed the window: from now on every use of it throws, never touches freed memory (a
   * call that was on its way when the window closed — a large one still being opened — gets an error). */
  markDestroyed(): void {
    this.#destroyed = true;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  #alive<T>(pointer: T): T {
    if (this.#destroyed) throw new Error("the window is closed");
    return pointer;
  }

  private get window(): Deno.PointerValue {
    return this.#alive(this.#window);
  }

  /** The WebKitWebView, for native/ code that acts on the page (a menu's Copy, Paste…). */
  get view(): Deno.PointerValue {
    return this.#alive(this.#view);
  }

  /** The window's vertical GtkBox: a menu bar above, the web view below (native/menu.ts). */
  get box(): Deno.PointerValue {
    return this.#alive(this.#box);
  }

  /** The GtkWindow*, for native/ code that parents its own windows on it (dialogs). */
  get handle(): Deno.PointerValue {
    return this.window;
  }

  #ints(read: (a: Uint8Array<ArrayBuffer>, b: Uint8Array<ArrayBuffer>) => void): [number, number] {
    const a = new Int32Array(1), b = new Int32Array(1);
    read(new Uint8Array(a.buffer), new Uint8Array(b.buffer));
    return [a[0], b[0]];
  }

  get scaleFactor(): number {
    return this.lib.gtk.gtk_widget_get_scale_factor(this.window);
  }

  /** The size GTK gives the window's content, in physical pixels. */
  get innerSize(): Size {
    const [width, height] = this.#ints((w, h) => this.lib.gtk.gtk_window_get_size(this.window, w, h));
    const scale = this.scaleFactor;
    return { width: width * scale, height: height * scale };
  }

  get position(): Position {
    const [x, y] = this.#ints((a, b) => this.lib.gtk.gtk_window_get_position(this.window, a, b));
    const scale = this.scaleFactor;
    return { x: x * scale, y: y * scale };
  }

  setSize(size: Size): void {
    const scale = this.scaleFactor;
    this.lib.gtk.gtk_window_resize(
      this.window,
      pixels(size.width / scale, 1),
      pixels(size.height / scale, 1),
    );
    wakeLoop();
  }

  setPosition(position: Position): void {
    const scale = this.scaleFactor;
    this.lib.gtk.gtk_window_move(
      this.window,
      pixels(position.x / scale, -16_384),
      pixels(position.y / scale, -16_384),
    );
    wakeLoop();
  }

  /** Size limits (null clears one); physical pixels. */
  setSizeLimits(limits: { min?: Size | null; max?: Size | null }): void {
    if (limits.min !== undefined) this.#min = limits.min;
    if (limits.max !== undefined) this.#max = limits.max;
    const geometry = new Uint8Array(GEOMETRY_BYTES);
    const view = new DataView(geometry.buffer);
    const scale = this.scaleFactor;
    let mask = 0;
    if (this.#min) {
      view.setInt32(0, pixels(this.#min.width / scale, 1), true);
      view.setInt32(4, pixels(this.#min.height / scale, 1), true);
      mask |= HINT_MIN_SIZE;
    }
    if (this.#max) {
      view.setInt32(8, pixels(this.#max.width / scale, 1), true);
      view.setInt32(12, pixels(this.#max.height / scale, 1), true);
      mask |= HINT_MAX_SIZE;
    }
    this.lib.gtk.gtk_window_set_geometry_hints(this.window, null, geometry, mask);
    wakeLoop();
  }

  get visible(): boolean {
    return this.lib.gtk.gtk_widget_get_visible(this.window) !== 0;
  }

  setVisible(visible: boolean): void {
    if (visible) this.lib.gtk.gtk_widget_show(this.window);
    else this.lib.gtk.gtk_widget_hide(this.window);
    wakeLoop();
  }

  #state(): number {
    const gdkWindow = this.lib.gtk.gtk_widget_get_window(this.window);
    return gdkWindow ? this.lib.gdk.gdk_window_get_state(gdkWindow) : 0;
  }

  get maximized(): boolean {
    return this.lib.gtk.gtk_window_is_maximized(this.window) !== 0 || (this.#state() & MAXIMIZED) !== 0;
  }
  get minimized(): boolean {
    return (this.#state() & ICONIFIED) !== 0;
  }
  get fullscreen(): boolean {
    return (this.#state() & FULLSCREEN) !== 0;
  }
  get focused(): boolean {
    return this.lib.gtk.gtk_window_is_active(this.window) !== 0;
  }
  get resizable(): boolean {
    return this.lib.gtk.gtk_window_get_resizable(this.window) !== 0;
  }
  get decorated(): boolean {
    return this.lib.gtk.gtk_window_get_decorated(this.window) !== 0;
  }
  /** "dark" or "light", as GTK's preference for the app has it. */
  get theme(): "dark" | "light" {
    return darkTheme(this.lib) ? "dark" : "light";
  }

  /** null: back to the system's (light unless the GTK theme says otherwise). */
  setTheme(theme: "dark" | "light" | null): void {
    darkTheme(this.lib, theme === "dark");
  }

  get alwaysOnTop(): boolean {
    return this.#keepAbove; // GTK keeps no getter: what this window was last told
  }

  #do(action: () => void): void {
    action();
    wakeLoop();
  }
  maximize = (on: boolean) =>
    this.#do(() =>
      on ? this.lib.gtk.gtk_window_maximize(this.window) : this.lib.gtk.gtk_window_unmaximize(this.window)
    );
  minimize = (on: boolean) =>
    this.#do(() =>
      on ? this.lib.gtk.gtk_window_iconify(this.window) : this.lib.gtk.gtk_window_deiconify(this.window)
    );
  setFullscreen = (on: boolean) =>
    this.#do(() =>
      on ? this.lib.gtk.gtk_window_fullscreen(this.window) : this.lib.gtk.gtk_window_unfullscreen(this.window)
    );
  setResizable = (on: boolean) =>
    this.#do(() => this.lib.gtk.gtk_window_set_resizable(this.window, on ? 1 : 0));
  setDecorated = (on: boolean) =>
    this.#do(() => this.lib.gtk.gtk_window_set_decorated(this.window, on ? 1 : 0));
  setAlwaysOnTop = (on: boolean) =>
    this.#do(() => {
      this.#keepAbove = on;
      this.lib.gtk.gtk_window_set_keep_above(this.window, on ? 1 : 0);
    });
  focus = () => this.#do(() => this.lib.gtk.gtk_window_present(this.window));
  setSkipTaskbar = (on: boolean) =>
    this.#do(() => this.lib.gtk.gtk_window_set_skip_taskbar_hint(this.window, on ? 1 : 0));
  setUrgent = (on: boolean) =>
    this.#do(() => this.lib.gtk.gtk_window_set_urgency_hint(this.window, on ? 1 : 0));
  setFocusable = (on: boolean) =>
    this.#do(() => this.lib.gtk.gtk_window_set_accept_focus(this.window, on ? 1 : 0));
  setEnabled = (on: boolean) =>
    this.#do(() => this.lib.gtk.gtk_widget_set_sensitive(this.window, on ? 1 : 0));
  setAlwaysOnBottom = (on: boolean) =>
    this.#do(() => this.lib.gtk.gtk_window_set_keep_below(this.window, on ? 1 : 0));
  setOnAllWorkspaces = (on: boolean) =>
    this.#do(() =>
      on ? this.lib.gtk.gtk_window_stick(this.window) : this.lib.gtk.gtk_window_unstick(this.window)
    );
  setClosable = (on: boolean) =>
    this.#do(() => this.lib.gtk.gtk_window_set_deletable(this.window, on ? 1 : 0));
  get closable(): boolean {
    return this.lib.gtk.gtk_window_get_deletable(this.window) !== 0;
  }
  /** The web view's background (shown before and under the page), RGBA 0–255. */
  setBackground = (rgba: [number, number, number, number]) =>
    this.#do(() => {
      const color = new Float64Array(rgba.map((c) => c / 255)); // GdkRGBA: four doubles
      if (this.view) {
        this.lib.webkit.webkit_web_view_set_background_color(this.view, new Uint8Array(color.buffer));
      }
    });
  get urgent(): boolean {
    return this.lib.gtk.gtk_window_get_urgency_hint(this.window) !== 0;
  }
  get focusable(): boolean {
    return this.lib.gtk.gtk_window_get_accept_focus(this.window) !== 0;
  }
  get enabled(): boolean {
    return this.lib.gtk.gtk_widget_get_sensitive(this.window) !== 0;
  }

  /** Moves the window to the middle of its monitor's work area. */
  center(): void {
    const monitor = this.currentMonitor();
    if (!monitor) return;
    const size = this.innerSize;
    const area = monitor.workArea;
    this.setPosition({
      x: area.position.x + Math.round((area.size.width - size.width) / 2),
      y: area.position.y + Math.round((area.size.height - size.height) / 2),
    });
  }

  #monitor(pointer: Deno.PointerValue): Monitor | null {
    if (pointer === null) return null;
    const { gdk } = this.lib;
    const rect = (read: (buffer: Uint8Array<ArrayBuffer>) => void) => {
      const box = new Int32Array(4);
      read(new Uint8Array(box.buffer));
      return box;
    };
    const scale = gdk.gdk_monitor_get_scale_factor(pointer);
    const geometry = rect((b) => gdk.gdk_monitor_get_geometry(pointer, b));
    const work = rect((b) => gdk.gdk_monitor_get_workarea(pointer, b));
    const physical = (box: Int32Array) => ({
      position: { x: box[0] * scale, y: box[1] * scale },
      size: { width: box[2] * scale, height: box[3] * scale },
    });
    const whole = physical(geometry);
    return {
      name: readCString(gdk.gdk_monitor_get_model(pointer)),
      size: whole.size,
      position: whole.position,
      workArea: physical(work),
      scaleFactor: scale,
    };
  }

  currentMonitor(): Monitor | null {
    const { gdk, gtk } = this.lib;
    const display = gdk.gdk_display_get_default();
    const gdkWindow = gtk.gtk_widget_get_window(this.window);
    if (!display) return null;
    if (gdkWindow) return this.#monitor(gdk.gdk_display_get_monitor_at_window(display, gdkWindow));
    return this.primaryMonitor();
  }

  primaryMonitor(): Monitor | null {
    const { gdk } = this.lib;
    const display = gdk.gdk_display_get_default();
    if (!display) return null;
    // Without a window manager there may be no primary monitor: the first one stands in, as GDK's docs say.
    return this.#monitor(
      gdk.gdk_display_get_primary_monitor(display) ?? gdk.gdk_display_get_monitor(display, 0),
    );
  }

  availableMonitors(): Monitor[] {
    const { gdk } = this.lib;
    const display = gdk.gdk_display_get_default();
    if (!display) return [];
    const out: Monitor[] = [];
    for (let i = 0; i < gdk.gdk_display_get_n_monitors(display); i++) {
      const monitor = this.#monitor(gdk.gdk_display_get_monitor(display, i));
      if (monitor) out.push(monitor);
    }
    return out;
  }
}
