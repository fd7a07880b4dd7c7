// Tauri's notification plugin (@tauri-apps/plugin-notification). As in Tauri, the package's sendNotification
// and requestPermission go through `window.Notification`, which the plugin's init script replaces in the page
// world: `new Notification(title, options)` calls "plugin:notification|notify", Notification.requestPermission
// calls "plugin:notification|request_permission". The desktop's notification service is the host's
// (native/notification.ts: org.freedesktop.Notifications on the session bus). As Tauri on Linux, permission is
// granted whenever the desktop can show notifications: here, when a notification service answers.
import type { PluginManifest } from "../permissions.ts";
import type { Commands } from "../router.ts";
import { type Schema, t, ValidationError } from "../schema.ts";

/** One notification as the host shows it. */
export interface NotificationSpec {
  /** The app's name, as the desktop lists it. */
  appName: string;
  title: string;
  body: string;
  /** An icon name or a file path; "" for none. */
  icon: string;
}

/** The desktop's notification service, as the host reaches it. */
export interface Notifier {
  /** Shows a notification; rejects saying why when no service can. */
  notify(spec: NotificationSpec): Promise<void>;
  /** Whether a notification service answers. */
  available(): Promise<boolean>;
}

/** An optional field that may also be null (Rust's Option). */
const maybe = <T>(schema: Schema<T>) => {
  const field = t.optional(schema);
  return { ...field, parse: (v: unknown, p: string) => v === null ? undefined : field.parse(v, p) };
};

/** A string the desktop can carry (a D-Bus string holds no NUL). */
const text = (max: number) => {
  const base = t.string({ max });
  return {
    ...base,
    parse: (value: unknown, path: string) => {
      const parsed = base.parse(value, path);
      if (parsed.includes("\0")) throw new ValidationError(`${path}: must not contain NUL`);
      return parsed;
    },
  } as Schema<string>;
};

// Tauri's NotificationData: desktop shows title, body and icon; the rest (schedule, channelId, extra, …) is
// mobile's, and passes unread as serde lets it.
const notifyArgs = t.object({
  options: t.object({
    title: maybe(text(4096)),
    body: maybe(text(65536)),
    icon: maybe(text(4096)),
  }, { extra: true }),
});

/** At most this many notifications of one window on their way to the desktop at once. */
export const MAX_PENDING_NOTIFICATIONS = 32;

/** The commands Tauri's plugin has on the desktop; the others of its manifest are mobile's. */
const DESKTOP = ["notify", "request_permission", "is_permission_granted"];

export function notificationCommands(notifier: Notifier | undefined, appName: string): Commands {
  let pending = 0;
  const available = async () => notifier ? await notifier.available() : false;
  const commands: Commands = {
    "plugin:notification|notify": async (raw) => {
      const { options } = notifyArgs.parse(raw, "args");
      if (!notifier) throw new Error("no notifications: this app runs without a desktop");
      if (pending >= MAX_PENDING_NOTIFICATIONS) {
        throw new Error(`too many notifications on their way at once (${MAX_PENDING_NOTIFICATIONS})`);
      }
      pending++;
      try {
        await notifier.notify({
          appName,
          // As Tauri: the app's product name when the page gives no title.
          title: options.title ?? appName,
          body: options.body ?? "",
          icon: options.icon ?? "",
        });
      } finally {
        pending--;
      }
      return null;
    },
    // Tauri's answer is Option<bool>; on the desktop always Some.
    "plugin:notification|is_permission_granted": () => available(),
    "plugin:notification|request_permission": async () => await available() ? "granted" : "denied",
  };
  for (const name of NOTIFICATION_MANIFEST.commands.filter((cmd) => !DESKTOP.includes(cmd))) {
    commands[`plugin:notification|${name}`] = () => {
      throw new Error(
        `plugin:notification|${name} is mobile-only: on the desktop Tauri's notification plugin (and Airlock's) ` +
          "has notify, request_permission and is_permission_granted",
      );
    };
  }
  return commands;
}

/**
 * The script that replaces `window.Notification` in the page world with Tauri's (as its init-iife.js), on a
 * non-writable, non-configurable property, the function frozen and its `permission` a getter only the
 * script's own requestPermission changes, so no page script can take over the notifications honest code
 * sends. It calls the bridge's invoke read at document start (`__TAURI_INTERNALS__` is frozen). Unlike
 * Tauri's, it asks nothing at load (Airlock's plugins are always there: an app that never notifies should
 * see no call in its hook): `permission` is "default" until requestPermission answers; and it copies the
 * options instead of freezing the caller's object.
 */
export function notificationInitScript(): string {
  return `(() => {
  "use strict";
  const internals = window.__TAURI_INTERNALS__;
  if (!internals) return;
  const invoke = internals.invoke;
  const freeze = Object.freeze, define = Object.defineProperty;
  let permission = "default";
  const Notification = function Notification(title, options) {
    const copy = { ...(options || {}), title };
    invoke("plugin:notification|notify", { options: copy }).then(undefined, (error) => {
      console.error("notification:", error && error.message || error);
    });
  };
  define(Notification, "requestPermission", {
    value: async function requestPermission() {
      const state = await invoke("plugin:notification|request_permission");
      permission = state === "prompt" || state === "prompt-with-rationale" ? "default" : state;
      return state;
    },
    writable: false, configurable: false, enumerable: true,
  });
  define(Notification, "permission", {
    get: () => permission,
    set: () => { throw new Error("Readonly property"); },
    configurable: false, enumerable: true,
  });
  freeze(Notification.prototype);
  freeze(Notification);
  define(window, "Notification", { value: Notification, writable: false, configurable: false, enumerable: false });
})();`;
}

/** plugins/notification/permissions: an allow-/deny- per command; notification:default grants them all. */
export const NOTIFICATION_MANIFEST: PluginManifest = {
  name: "notification",
  commands: [
    "batch",
    "cancel",
    "check_permissions",
    "create_channel",
    "delete_channel",
    "get_active",
    "get_pending",
    "is_permission_granted",
    "list_channels",
    "notify",
    "permission_state",
    "register_action_types",
    "register_listener",
    "remove_active",
    "request_permission",
    "show",
  ],
  default: [
    "allow-is-permission-granted",
    "allow-request-permission",
    "allow-notify",
    "allow-register-action-types",
    "allow-register-listener",
    "allow-cancel",
    "allow-get-pending",
    "allow-remove-active",
    "allow-get-active",
    "allow-check-permissions",
    "allow-show",
    "allow-batch",
    "allow-list-channels",
    "allow-delete-channel",
    "allow-create-channel",
    "allow-permission-state",
  ],
};
