// The notification plugin's commands over a notifier of the test's own (the real one, a D-Bus client of the
// session's notification service, is tested in tests/webview/plugin_notification.ts): Tauri's shapes and
// title fallback, argument checks, no desktop, the in-flight bound, the manifest and the init script.
import assert from "node:assert/strict";
import {
  MAX_PENDING_NOTIFICATIONS,
  NOTIFICATION_MANIFEST,
  notificationCommands,
  notificationInitScript,
  type NotificationSpec,
} from "../core/plugins/notification.ts";
import type { CommandContext } from "../core/router.ts";

const context = {} as CommandContext;

function recording(available = true) {
  const shown: NotificationSpec[] = [];
  const commands = notificationCommands({
    notify: (spec) => {
      shown.push(spec);
      return Promise.resolve();
    },
    available: () => Promise.resolve(available),
  }, "Notes");
  return { shown, commands };
}

Deno.test("notification: notify shows title, body and icon (the app's name without a title); permission as the service answers", async () => {
  const { shown, commands } = recording();
  const notify = commands["plugin:notification|notify"];
  assert.equal(await notify({ options: { title: "t", body: "b", icon: "mail-unread" } }, context), null);
  // Mobile's fields pass unread, as serde lets them; null is absent.
  await notify({ options: { body: "only a body", channelId: "c", extra: { a: 1 }, icon: null } }, context);
  assert.deepEqual(shown, [
    { appName: "Notes", title: "t", body: "b", icon: "mail-unread" },
    { appName: "Notes", title: "Notes", body: "only a body", icon: "" },
  ]);
  assert.equal(await commands["plugin:notification|is_permission_granted"](undefined, context), true);
  assert.equal(await commands["plugin:notification|request_permission"](undefined, context), "granted");
  const none = recording(false).commands;
  assert.equal(await none["plugin:notification|is_permission_granted"](undefined, context), false);
  assert.equal(await none["plugin:notification|request_permission"](undefined, context), "denied");
  await assert.rejects(async () => await notify({ options: { title: 2 } }, context), /options\.title/);
  await assert.rejects(
    async () => await notify({ options: { body: "a\0b" } }, context),
    /must not contain NUL/,
  );
  await assert.rejects(async () => await notify({}, context), /options/);
  assert.throws(() => commands["plugin:notification|get_pending"](undefined, context), /mobile-only/);
});

Deno.test("notification: without a desktop notify says so and permission is denied", async () => {
  const commands = notificationCommands(undefined, "Notes");
  await assert.rejects(
    async () => await commands["plugin:notification|notify"]({ options: { title: "x" } }, context),
    /no notifications: this app runs without a desktop/,
  );
  assert.equal(await commands["plugin:notification|request_permission"](undefined, context), "denied");
});

Deno.test("notification: at most MAX_PENDING_NOTIFICATIONS of a window on their way at once", async () => {
  const release: (() => void)[] = [];
  const commands = notificationCommands({
    notify: () => new Promise((resolve) => release.push(resolve)),
    available: () => Promise.resolve(true),
  }, "Notes");
  const notify = () =>
    commands["plugin:notification|notify"]({ options: { title: "x" } }, context) as Promise<null>;
  const waiting = Array.from({ length: MAX_PENDING_NOTIFICATIONS }, notify);
  await assert.rejects(notify(), /too many notifications/);
  release.forEach((go) => go());
  await Promise.all(waiting);
  release.length = 0;
  const again = notify();
  release.forEach((go) => go());
  assert.equal(await again, null);
});

Deno.test("notification: the manifest has Tauri's sixteen commands and a default granting each", () => {
  assert.equal(NOTIFICATION_MANIFEST.commands.length, 16);
  assert.deepEqual(
    [...NOTIFICATION_MANIFEST.default].sort(),
    NOTIFICATION_MANIFEST.commands.map((cmd) => `allow-${cmd.replaceAll("_", "-")}`).sort(),
  );
});

Deno.test("notification: the init script's window.Notification calls the commands and cannot be replaced", async () => {
  const calls: [string, unknown][] = [];
  const window: Record<string, unknown> = {
    __TAURI_INTERNALS__: Object.freeze({
      invoke: (cmd: string, args: unknown) => {
        calls.push([cmd, args]);
        return Promise.resolve(cmd.endsWith("request_permission") ? "granted" : null);
      },
    }),
  };
  new Function("window", notificationInitScript())(window);
  const N = window.Notification as {
    new (title: string, options?: object): unknown;
    requestPermission(): Promise<string>;
    permission: string;
  };
  const options = { body: "b" };
  new N("t", options);
  assert.deepEqual(options, { body: "b" });
  assert.equal(N.permission, "default");
  assert.equal(await N.requestPermission(), "granted");
  assert.equal(N.permission, "granted");
  assert.deepEqual(calls, [
    ["plugin:notification|notify", { options: { body: "b", title: "t" } }],
    ["plugin:notification|request_permission", undefined],
  ]);
  assert.throws(() => void (window.Notification = () => {}));
  assert.throws(() => void (N.permission = "denied"), /Readonly property/);
  assert.ok(Object.isFrozen(N) && window.Notification === N);
  assert.equal(Object.getOwnPropertyDescriptor(window, "Notification")?.writable, false);
});
