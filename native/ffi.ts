// Raw FFI bindings to GTK 3 + WebKitGTK 4.1 and the GLib family, opened by soname from Debian's
// libwebkit2gtk-4.1-0. Only the symbols Airlock uses; everything above this file speaks in Deno types.

const P = "pointer" as const;
const B = "buffer" as const;
const V = "void" as const;

const GLIB = {
  g_main_context_default: { parameters: [], result: P },
  g_main_context_acquire: { parameters: [P], result: "i32" },
  g_main_context_release: { parameters: [P], result: V },
  g_main_context_prepare: { parameters: [P, B], result: "i32" },
  g_main_context_query: { parameters: [P, "i32", B, B, "i32"], result: "i32" },
  g_main_context_check: { parameters: [P, "i32", B, "i32"], result: "i32" },
  g_main_context_dispatch: { parameters: [P], result: V },
  g_main_context_wakeup: { parameters: [P], result: V },
  g_main_context_iteration: { parameters: [P, "i32"], result: "i32" },
  g_main_context_pending: { parameters: [P], result: "i32" },
  g_free: { parameters: [P], result: V },
  g_error_free: { parameters: [P], result: V },
  g_bytes_new: { parameters: [B, "usize"], result: P },
  g_bytes_unref: { parameters: [P], result: V },
} as const;

const GOBJECT = {
  g_signal_connect_data: { parameters: [P, B, "function", P, P, "i32"], result: "u64" },
  g_signal_handler_disconnect: { parameters: [P, "u64"], result: V },
  g_object_ref: { parameters: [P], result: P },
  g_object_unref: { parameters: [P], result: V },
  g_object_new_with_properties: { parameters: ["u64", "u32", B, B], result: P },
  g_value_init: { parameters: [B, "u64"], result: P },
  g_value_set_string: { parameters: [B, B], result: V },
  g_value_unset: { parameters: [B], result: V },
  g_value_set_boolean: { parameters: [B, "i32"], result: V },
  g_value_get_boolean: { parameters: [B], result: "i32" },
  g_object_set_property: { parameters: [P, B, B], result: V },
  g_object_get_property: { parameters: [P, B, B], result: V },
} as const;

const GIO = {
  g_memory_input_stream_new_from_bytes: { parameters: [P], result: P },
  // Reading a scheme request's body (gboolean g_input_stream_read_all(stream, buf, count, &read, NULL, &err)).
  g_input_stream_read_all: { parameters: [P, B, "u64", B, P, B], result: "i32" },
} as const;

const SOUP = {
  soup_message_headers_new: { parameters: ["i32"], result: P },
  soup_message_headers_append: { parameters: [P, B, B], result: V },
  soup_message_headers_get_one: { parameters: [P, B], result: P },
} as const;

const GTK = {
  gtk_init_check: { parameters: [P, P], result: "i32" },
  gtk_window_new: { parameters: ["i32"], result: P },
  gtk_window_set_title: { parameters: [P, B], result: V },
  gtk_window_get_title: { parameters: [P], result: P },
  gtk_window_set_default_size: { parameters: [P, "i32", "i32"], result: V },
  gtk_container_add: { parameters: [P, P], result: V },
  gtk_box_new: { parameters: ["i32", "i32"], result: P },
  gtk_box_pack_end: { parameters: [P, P, "i32", "i32", "u32"], result: V },
  gtk_widget_show_all: { parameters: [P], result: V },
  gtk_widget_destroy: { parameters: [P], result: V },
  gtk_widget_show: { parameters: [P], result: V },
  gtk_widget_hide: { parameters: [P], result: V },
  gtk_widget_get_visible: { parameters: [P], result: "i32" },
  gtk_widget_get_scale_factor: { parameters: [P], result: "i32" },
  gtk_widget_get_window: { parameters: [P], result: P },
  gtk_window_get_size: { parameters: [P, B, B], result: V },
  gtk_window_resize: { parameters: [P, "i32", "i32"], result: V },
  gtk_window_get_position: { parameters: [P, B, B], result: V },
  gtk_window_move: { parameters: [P, "i32", "i32"], result: V },
  gtk_window_set_geometry_hints: { parameters: [P, P, B, "i32"], result: V },
  gtk_window_maximize: { parameters: [P], result: V },
  gtk_window_unmaximize: { parameters: [P], result: V },
  gtk_window_is_maximized: { parameters: [P], result: "i32" },
  gtk_window_iconify: { parameters: [P], result: V },
  gtk_window_deiconify: { parameters: [P], result: V },
  gtk_window_fullscreen: { parameters: [P], result: V },
  gtk_window_unfullscreen: { parameters: [P], result: V },
  gtk_window_set_resizable: { parameters: [P, "i32"], result: V },
  gtk_window_get_resizable: { parameters: [P], result: "i32" },
  gtk_window_set_decorated: { parameters: [P, "i32"], result: V },
  gtk_window_get_decorated: { parameters: [P], result: "i32" },
  gtk_window_set_keep_above: { parameters: [P, "i32"], result: V },
  gtk_window_present: { parameters: [P], result: V },
  gtk_window_is_active: { parameters: [P], result: "i32" },
  gtk_settings_get_default: { parameters: [], result: P },
  gtk_window_set_skip_taskbar_hint: { parameters: [P, "i32"], result: V },
  gtk_window_set_urgency_hint: { parameters: [P, "i32"], result: V },
  gtk_window_get_urgency_hint: { parameters: [P], result: "i32" },
  gtk_window_set_accept_focus: { parameters: [P, "i32"], result: V },
  gtk_window_get_accept_focus: { parameters: [P], result: "i32" },
  gtk_widget_set_sensitive: { parameters: [P, "i32"], result: V },
  gtk_widget_get_sensitive: { parameters: [P], result: "i32" },
  gtk_window_set_keep_below: { parameters: [P, "i32"], result: V },
  gtk_window_stick: { parameters: [P], result: V },
  gtk_window_unstick: { parameters: [P], result: V },
  gtk_window_set_deletable: { parameters: [P, "i32"], result: V },
  gtk_window_get_deletable: { parameters: [P], result: "i32" },
} as const;

const GDK = {
  gdk_display_get_default: { parameters: [], result: P },
  gdk_display_get_n_monitors: { parameters: [P], result: "i32" },
  gdk_display_get_monitor: { parameters: [P, "i32"], result: P },
  gdk_display_get_primary_monitor: { parameters: [P], result: P },
  gdk_display_get_monitor_at_window: { parameters: [P, P], result: P },
  gdk_monitor_get_geometry: { parameters: [P, B], result: V },
  gdk_monitor_get_workarea: { parameters: [P, B], result: V },
  gdk_monitor_get_scale_factor: { parameters: [P], result: "i32" },
  gdk_monitor_get_model: { parameters: [P], result: P },
  gdk_window_get_state: { parameters: [P], result: "u32" },
} as const;

const WEBKIT = {
  webkit_web_context_new: { parameters: [], result: P },
  webkit_web_context_new_with_website_data_manager: { parameters: [P], result: P },
  webkit_website_data_manager_get_type: { parameters: [], result: "u64" },
  webkit_website_data_manager_get_base_data_directory: { parameters: [P], result: P },
  webkit_web_context_register_uri_scheme: { parameters: [P, B, "function", P, P], result: V },
  webkit_web_context_get_security_manager: { parameters: [P], result: P },
  webkit_security_manager_register_uri_scheme_as_secure: { parameters: [P, B], result: V },
  webkit_security_manager_register_uri_scheme_as_cors_enabled: { parameters: [P, B], result: V },
  webkit_web_view_new_with_context: { parameters: [P], result: P },
  webkit_web_view_get_user_content_manager: { parameters: [P], result: P },
  webkit_web_view_get_settings: { parameters: [P], result: P },
  webkit_web_view_set_background_color: { parameters: [P, B], result: V },
  webkit_web_view_load_uri: { parameters: [P, B], result: V },
  webkit_web_view_reload: { parameters: [P], result: V },
  webkit_web_view_call_async_javascript_function: {
    parameters: [P, B, "isize", P, B, P, P, "function", P],
    result: V,
  },
  webkit_web_view_call_async_javascript_function_finish: { parameters: [P, P, B], result: P },
  webkit_settings_set_enable_write_console_messages_to_stdout: { parameters: [P, "i32"], result: V },
  webkit_settings_set_javascript_can_open_windows_automatically: { parameters: [P, "i32"], result: V },
  webkit_settings_set_enable_developer_extras: { parameters: [P, "i32"], result: V },
  webkit_settings_set_hardware_acceleration_policy: { parameters: [P, "i32"], result: V },
  webkit_user_script_new: { parameters: [B, "i32", "i32", P, P], result: P },
  webkit_user_script_new_for_world: { parameters: [B, "i32", "i32", B, P, P], result: P },
  webkit_user_script_unref: { parameters: [P], result: V },
  webkit_user_content_manager_add_script: { parameters: [P, P], result: V },
  webkit_user_content_manager_register_script_message_handler_with_reply: {
    parameters: [P, B, B],
    result: "i32",
  },
  webkit_script_message_reply_ref: { parameters: [P], result: P },
  webkit_script_message_reply_unref: { parameters: [P], result: V },
  webkit_script_message_reply_return_value: { parameters: [P, P], result: V },
  webkit_uri_scheme_request_get_scheme: { parameters: [P], result: P },
  webkit_uri_scheme_request_get_path: { parameters: [P], result: P },
  webkit_uri_scheme_request_get_uri: { parameters: [P], result: P },
  webkit_uri_scheme_request_get_http_body: { parameters: [P], result: P },
  // Navigation policy: where a frame is about to go, and the answer.
  webkit_navigation_policy_decision_get_navigation_action: { parameters: [P], result: P },
  webkit_navigation_action_get_request: { parameters: [P], result: P },
  webkit_navigation_action_is_user_gesture: { parameters: [P], result: "i32" },
  webkit_uri_request_get_uri: { parameters: [P], result: P },
  webkit_policy_decision_use: { parameters: [P], result: V },
  webkit_policy_decision_ignore: { parameters: [P], result: V },
  webkit_uri_scheme_request_get_http_headers: { parameters: [P], result: P },
  webkit_uri_scheme_request_get_http_method: { parameters: [P], result: P },
  webkit_uri_scheme_request_finish_with_response: { parameters: [P, P], result: V },
  webkit_uri_scheme_response_new: { parameters: [P, "i64"], result: P },
  webkit_uri_scheme_response_set_content_type: { parameters: [P, B], result: V },
  webkit_uri_scheme_response_set_status: { parameters: [P, "u32", B], result: V },
  webkit_uri_scheme_response_set_http_headers: { parameters: [P, P], result: V },
} as const;

const JSC = {
  jsc_value_get_context: { parameters: [P], result: P },
  jsc_value_is_string: { parameters: [P], result: "i32" },
  jsc_value_to_string: { parameters: [P], result: P },
  jsc_value_to_json: { parameters: [P, "u32"], result: P },
  jsc_value_new_string: { parameters: [P, B], result: P },
} as const;

export type Libraries = {
  glib: Deno.DynamicLibrary<typeof GLIB>["symbols"];
  gobject: Deno.DynamicLibrary<typeof GOBJECT>["symbols"];
  gio: Deno.DynamicLibrary<typeof GIO>["symbols"];
  soup: Deno.DynamicLibrary<typeof SOUP>["symbols"];
  gtk: Deno.DynamicLibrary<typeof GTK>["symbols"];
  gdk: Deno.DynamicLibrary<typeof GDK>["symbols"];
  webkit: Deno.DynamicLibrary<typeof WEBKIT>["symbols"];
  jsc: Deno.DynamicLibrary<typeof JSC>["symbols"];
};

export class NativeUnavailableError extends Error {
  override name = "NativeUnavailableError";
}

let libraries: Libraries | null = null;

/** Opens the system libraries once per process. Throws one clear line when WebKitGTK is missing. */
export function native(): Libraries {
  if (libraries) return libraries;
  // JavaScriptCore suspends threads for GC with SIGUSR1 by default, and Deno answers SIGUSR1 by opening
  // its inspector on 127.0.0.1:9229. Move JSC to SIGPWR before any WebKit code (or its child processes,
  // which inherit the environment) starts.
  Deno.env.set("JSC_SIGNAL_FOR_GC", "30");
  const open = <S extends Deno.ForeignLibraryInterface>(soname: string, symbols: S) => {
    try {
      return Deno.dlopen(soname, symbols).symbols;
    } catch (error) {
      throw new NativeUnavailableError(
        `Airlock needs WebKitGTK 4.1 and GTK 3 (${soname} could not be loaded: ${
          (error as Error).message.split("\n")[0]
        }). Install them with: sudo apt-get install -y libwebkit2gtk-4.1-0`,
      );
    }
  };
  libraries = {
    glib: open("libglib-2.0.so.0", GLIB),
    gobject: open("libgobject-2.0.so.0", GOBJECT),
    gio: open("libgio-2.0.so.0", GIO),
    soup: open("libsoup-3.0.so.0", SOUP),
    gtk: open("libgtk-3.so.0", GTK),
    gdk: open("libgdk-3.so.0", GDK),
    webkit: open("libwebkit2gtk-4.1.so.0", WEBKIT),
    jsc: open("libjavascriptcoregtk-4.1.so.0", JSC),
  };
  return libraries;
}

// Opened on first use, so importing this module (say, for `main.ts new`) needs no FFI permission.
const LIBC = {
  gettid: { parameters: [], result: "i32" },
  dup: { parameters: ["i32"], result: "i32" },
  dup2: { parameters: ["i32", "i32"], result: "i32" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;
let libc: Deno.DynamicLibrary<typeof LIBC> | null = null;
const libcSymbols = () => (libc ??= Deno.dlopen("libc.so.6", LIBC)).symbols;
const currentThread = () => libcSymbols().gettid();

/**
 * Runs `body` with this process's stderr sent to /dev/null. For one thing only: JavaScriptCore reads every
 * JSC_* variable as one of its options when WebKit first starts in this process, and prints
 * "ERROR: invalid option: JSC_SIGNAL_FOR_GC=30" for the one that moves its GC signal (read by WTF, not
 * an option): a line in the middle of every start's output, which says nothing wrong.
 */
export function withoutStderr<T>(body: () => T): T {
  const c = libcSymbols();
  const saved = c.dup(2);
  const devNull = c.open(cString("/dev/null"), 1 /* O_WRONLY */);
  if (saved < 0 || devNull < 0) return body();
  c.dup2(devNull, 2);
  c.close(devNull);
  try {
    return body();
  } finally {
    c.dup2(saved, 2);
    c.close(saved);
  }
}
let gtkThread: number | null = null;

/** gtk_init once per process; a missing display is the most common headless mistake, so name the fix. */
export function initGtk(): Libraries {
  const lib = native();
  if (gtkThread !== null) {
    // GTK and WebKit abort the process when used from a second thread. `deno test` runs each test file on
    // a thread of its own, so this is the error an app's test suite meets first.
    if (currentThread() !== gtkThread) {
      throw new NativeUnavailableError(
        "Airlock windows must all be opened from the thread that opened the first one. `deno test` runs each " +
          "test file on its own thread: keep webview tests in one test file (it may import others), or run " +
          "one `deno test` per file.",
      );
    }
    return lib;
  }
  if (!lib.gtk.gtk_init_check(null, null)) {
    throw new NativeUnavailableError(
      `Airlock cannot open a display (DISPLAY=${Deno.env.get("DISPLAY") ?? "unset"}). ` +
        "Run inside a desktop session, or headless with: xvfb-run -a <command> (apt-get install -y xvfb xauth)",
    );
  }
  gtkThread = currentThread();
  return lib;
}

const encoder = new TextEncoder();

/** A NUL-terminated UTF-8 copy of s, for `const char*` parameters. */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(s + "\0");
}

/** Reads a borrowed `const char*` (NULL → null). */
export function readCString(pointer: Deno.PointerValue): string | null {
  return pointer === null ? null : Deno.UnsafePointerView.getCString(pointer);
}

/** Reads an owned `char*` and frees it with g_free. */
export function takeCString(pointer: Deno.PointerValue): string | null {
  if (pointer === null) return null;
  const text = Deno.UnsafePointerView.getCString(pointer);
  native().glib.g_free(pointer);
  return text;
}

/** Reads the message of a GError** out-parameter and frees the error. */
export function takeGError(out: BigUint64Array): string | null {
  const error = Deno.UnsafePointer.create(out[0]);
  if (error === null) return null;
  // struct GError { GQuark domain; gint code; gchar *message; } — message sits at offset 8 on 64-bit.
  const message = new Deno.UnsafePointerView(error).getPointer(8);
  const text = readCString(message) ?? "unknown error";
  native().glib.g_error_free(error);
  return text;
}
