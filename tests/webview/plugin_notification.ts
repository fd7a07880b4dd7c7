// @tauri-apps/plugin-notification, unchanged from npm, against a real D-Bus session bus: the test runs a
// freedesktop notification service of its own (notification_service.py, on python3-dbus) inside
// `dbus-run-session`, and the app as a child process in that session (notification_child.ts); the service
// records every Notify call it gets. The page's window.Notification is the plugin's init script, which no
// page script can replace. Without a service on the bus, permission is denied and notify says why. Under
// capabilities, a window without the permission is refused by the core.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { settle } from "../fixture.ts";
import {
  launchPluginApp,
  PLUGIN_PACKAGES,
  pluginBundle,
  pluginConfig,
  underCapabilities,
} from "./plugin_app.ts";

const NOTIFICATION = PLUGIN_PACKAGES.notification;
const SERVICE = fileURLToPath(new URL("./notification_service.py", import.meta.url));
const CHILD = fileURLToPath(new URL("./notification_child.ts", import.meta.url));
const PYTHON = "/usr/bin/python3"; // Debian's, with python3-dbus and python3-gi

// The page: honest code notifies through the package; a page script tries to take window.Notification over
// in between; the page reports what it saw.
const PAGE = `
import { invoke } from "@tauri-apps/api/core";
import { isPermissionGranted, requestPermission, sendNotification } from "@tauri-apps/plugin-notification";
const settle = (p) => Promise.resolve(p).then((value) => ({ ok: true, value }), (e) => ({ ok: false, error: String(e && e.message || e) }));
(async () => {
  "use strict";
  const result = {};
  try {
  result.before = Notification.permission;
  result.granted = await isPermissionGranted();
  result.requested = await requestPermission();
  result.after = Notification.permission;
  sendNotification("Plain title");
  sendNotification({ title: "Build finished", body: "3 warnings, ünïcode ✓", icon: "dialog-information" });
  const options = { body: "through the Web API" };
  new Notification("Web API", options);
  result.optionsUntouched = !Object.isFrozen(options) && !("title" in options);

  // A page script tries to see or stop what honest code sends.
  const intercepted = [];
  const evil = function (title) { intercepted.push(String(title)); };
  const honest = window.Notification;
  const tries = [
    () => { window.Notification = evil; },
    () => { Object.defineProperty(window, "Notification", { value: evil }); },
    () => { delete window.Notification; },
    () => { Notification.requestPermission = async () => { intercepted.push("request"); return "granted"; }; },
    () => { Object.defineProperty(Notification, "requestPermission", { value: evil }); },
    () => { Notification.permission = "granted"; },
    () => { Object.defineProperty(Notification, "permission", { get: () => "evil" }); },
    () => { Object.setPrototypeOf(Notification, { call: evil, apply: evil }); },
    () => { Notification.prototype.constructor = evil; },
    () => { window.__TAURI_INTERNALS__.invoke = (cmd) => { intercepted.push(cmd); }; },
    () => { Object.assign = () => { intercepted.push("assign"); }; },
    () => { Object.freeze = (o) => { intercepted.push("freeze"); return o; }; },
  ];
  // The attempts that did not throw (strict code throws on a refused change).
  result.allowed = [];
  tries.forEach((attempt, i) => { try { attempt(); result.allowed.push(i); } catch {} });
  result.same = window.Notification === honest && Object.isFrozen(Notification) && Notification.permission === result.after;
  sendNotification({ title: "after tampering", body: "still honest" });
  result.requestedAgain = await requestPermission();

  result.direct = await settle(invoke("plugin:notification|notify", { options: { title: "direct", body: "last" } }));
  result.noTitle = await settle(invoke("plugin:notification|notify", { options: { body: "untitled" } }));
  result.notText = await settle(invoke("plugin:notification|notify", { options: { title: 1 } }));
  result.nul = await settle(invoke("plugin:notification|notify", { options: { title: "a\\u0000b" } }));
  result.mobile = await settle(invoke("plugin:notification|get_pending"));
  result.intercepted = intercepted;
  } catch (error) {
    result.failed = String(error && error.stack || error);
  }
  await invoke("report", { result });
})();
`;

interface Notified {
  app_name: string;
  replaces_id: number;
  app_icon: string;
  summary: string;
  body: string;
  actions: string[];
  hints: Record<string, string>;
  expire_timeout: number;
}

/** Runs the app in a session bus of its own, with the test's notification service on it unless `absent`. */
async function inSession(absent: boolean) {
  if (!dbusRunSession()) {
    throw new Error(
      "dbus-run-session is missing (apt-get install dbus-daemon python3-dbus python3-gi; tools/run.sh test installs them)",
    );
  }
  const dir = await Deno.makeTempDir({ prefix: "airlock-notification-" });
  const record = join(dir, "notified.jsonl"), out = join(dir, "result.json");
  const config = await pluginConfig(await pluginBundle(PAGE, [NOTIFICATION]), {
    config: { productName: "Notes" },
  });
  const child = new Deno.Command("dbus-run-session", {
    args: [
      "--",
      PYTHON,
      SERVICE,
      record,
      ...(absent ? ["--absent"] : []),
      "--",
      Deno.execPath(),
      "run",
      "-A",
      CHILD,
      config,
      out,
    ],
    // No accessibility bus: nothing of the app's but its notifications on this session.
    env: { NO_AT_BRIDGE: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  const status = await child.output();
  clearTimeout(timer);
  const output = new TextDecoder().decode(status.stderr) + new TextDecoder().decode(status.stdout);
  assert.equal(status.code, 0, output);
  const result = JSON.parse(await Deno.readTextFile(out));
  const notified = (await Deno.readTextFile(record)).split("\n").filter(Boolean)
    .map((line) => JSON.parse(line) as Notified);
  return { result, notified, output };
}

function dbusRunSession(): boolean {
  try {
    return new Deno.Command("dbus-run-session", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const TAMPERING = {
  // Replacing Object.assign and Object.freeze is the page's own business: the init script uses neither.
  allowed: [10, 11],
  same: true,
  intercepted: [],
  optionsUntouched: true,
};

Deno.test("plugin-notification: sendNotification, the Web API and requestPermission reach a real notification service on the session bus; a page script cannot take window.Notification over", async () => {
  const { result, notified } = await inSession(false);
  assert.deepEqual(result, {
    before: "default",
    granted: true,
    requested: "granted",
    after: "granted",
    requestedAgain: "granted",
    ...TAMPERING,
    direct: { ok: true, value: null },
    noTitle: { ok: true, value: null },
    notText: {
      ok: false,
      error:
        "invalid arguments for plugin:notification|notify: args.options.title: expected a string, got number",
    },
    nul: {
      ok: false,
      error: "invalid arguments for plugin:notification|notify: args.options.title: must not contain NUL",
    },
    mobile: {
      ok: false,
      error: "plugin:notification|get_pending is mobile-only: on the desktop Tauri's notification plugin " +
        "(and Airlock's) has notify, request_permission and is_permission_granted",
    },
  });
  const shown = (summary: string, body = "", app_icon = "") => ({
    app_name: "Notes",
    replaces_id: 0,
    app_icon,
    summary,
    body,
    actions: [],
    hints: {},
    expire_timeout: -1,
  });
  assert.deepEqual(notified, [
    shown("Plain title"),
    shown("Build finished", "3 warnings, ünïcode ✓", "dialog-information"),
    shown("Web API", "through the Web API"),
    shown("after tampering", "still honest"),
    shown("direct", "last"),
    // Tauri's fallback for a notification without a title: the app's product name.
    shown("Notes", "untitled"),
  ]);
});

Deno.test("plugin-notification: with no notification service on the session bus, permission is denied and notify says so", async () => {
  const { result, notified } = await inSession(true);
  assert.deepEqual(notified, []);
  assert.equal(result.granted, false);
  assert.equal(result.requested, "denied");
  assert.equal(result.after, "denied");
  assert.deepEqual(result.allowed, TAMPERING.allowed);
  assert.deepEqual(result.intercepted, []);
  assert.equal(result.direct.ok, false);
  assert.match(
    result.direct.error,
    /^no desktop notifications: no notification service runs on the session bus \(org\.freedesktop\.Notifications; .*ServiceUnknown/,
  );
});

Deno.test("plugin-notification under capabilities: notification:default grants the desktop's three; a window without it is refused by the core", async () => {
  const page =
    `import * as notification from "@tauri-apps/plugin-notification"; window.notification_ = notification;`;
  const app = await launchPluginApp(
    page,
    [NOTIFICATION],
    underCapabilities([
      { identifier: "notify", windows: ["main"], permissions: ["notification:default"] },
    ]),
  );
  try {
    // Granted: it runs (this test process has a session bus or not; either answer is the command's).
    const granted = await app.evaluate(settle(`notification_.isPermissionGranted()`)) as {
      ok: boolean;
      value: unknown;
    };
    assert.equal(granted.ok, true, JSON.stringify(granted));
    assert.equal(typeof granted.value, "boolean");
    const second = app.window("second")!;
    for (
      const [call, cmd] of [
        [`notification_.isPermissionGranted()`, "is_permission_granted"],
        [`notification_.requestPermission()`, "request_permission"],
        [`window.__TAURI__.core.invoke("plugin:notification|notify", { options: { title: "x" } })`, "notify"],
      ]
    ) {
      const refused = await second.evaluate(settle(call)) as { ok: boolean; error: string };
      assert.equal(refused.ok, false, call);
      assert.match(refused.error, new RegExp(`plugin:notification\\|${cmd} not allowed for window "second"`));
      assert.match(refused.error, new RegExp(`notification:allow-${cmd.replaceAll("_", "-")}`));
    }
  } finally {
    await app.close();
  }
});
