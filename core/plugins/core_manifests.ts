// Tauri's core plugins as capabilities name them ("core:window:allow-set-title", "core:window:default",
// "core:default"): each command, and whether the plugin's default grants it. As in Tauri, the defaults
// are the getters and the harmless; every setter, and opening a window, must be granted by name.
import type { PluginManifest } from "../permissions.ts";

/** Commands the plugin's `default` grants, then the rest (space-separated, Tauri's command names). */
const CORE: Record<string, [granted: string, notGranted: string]> = {
  app: [
    "version name tauri_version identifier bundle_type supports_multiple_windows",
    "app_show app_hide default_window_icon set_app_theme",
  ],
  event: ["listen unlisten emit emit_to", ""],
  // Closing a resource (a file handle) the window holds: its own table, nothing to guard.
  resources: ["close", ""],
  path: ["resolve_directory resolve normalize join dirname extname basename is_absolute", ""],
  window: [
    "get_all_windows scale_factor inner_position outer_position inner_size outer_size is_fullscreen " +
    "is_minimized is_maximized is_focused is_decorated is_resizable is_maximizable is_minimizable " +
    "is_closable is_visible is_enabled title current_monitor primary_monitor monitor_from_point " +
    "available_monitors cursor_position theme is_always_on_top internal_toggle_maximize",
    "create center request_user_attention set_enabled set_resizable set_maximizable set_minimizable " +
    "set_closable set_title maximize unmaximize minimize unminimize show hide close destroy " +
    "set_decorations set_shadow set_effects set_always_on_top set_always_on_bottom " +
    "set_visible_on_all_workspaces set_content_protected set_size set_min_size set_size_constraints " +
    "set_max_size set_position set_fullscreen set_focus set_focusable set_skip_taskbar set_cursor_grab " +
    "set_cursor_visible set_cursor_icon set_cursor_position set_ignore_cursor_events start_dragging " +
    "start_resize_dragging set_progress_bar set_badge_count set_badge_label set_overlay_icon set_icon " +
    "set_title_bar_style set_theme set_background_color toggle_maximize",
  ],
  // Tauri's build.rs grants every menu and tray command by default (tray commands answer "not supported yet").
  menu: [
    "new append prepend insert remove remove_at items get popup create_default set_as_app_menu " +
    "set_as_window_menu text set_text is_enabled set_enabled set_accelerator set_as_windows_menu_for_nsapp " +
    "set_as_help_menu_for_nsapp is_checked set_checked set_icon",
    "",
  ],
  tray: [
    "new get_by_id remove_by_id set_icon set_menu set_tooltip set_title set_visible set_temp_dir_path " +
    "set_icon_as_template set_show_menu_on_left_click",
    "",
  ],
  webview: [
    "get_all_webviews webview_position webview_size internal_toggle_devtools",
    "create_webview create_webview_window webview_close set_webview_size set_webview_position " +
    "set_webview_focus set_webview_zoom webview_hide webview_show print reparent clear_all_browsing_data " +
    "set_webview_background_color",
  ],
};

const words = (list: string) => list.split(" ").filter(Boolean);

/** The manifests of core:app, core:event, core:resources, core:path, core:window, core:menu, core:tray and
 * core:webview. */
export const CORE_MANIFESTS: PluginManifest[] = Object.entries(CORE).map(([name, [granted, rest]]) => ({
  name: `core:${name}`,
  commands: [...words(granted), ...words(rest)],
  default: words(granted).map((command) => `allow-${command.replaceAll("_", "-")}`),
}));

/** What "core:default" grants: every core plugin's default. */
export const CORE_DEFAULT = CORE_MANIFESTS.map((manifest) => `${manifest.name}:default`);
