// Desktop notifications for the notification plugin (core/plugins/notification.ts): a GDBus client of the
// freedesktop notification service (org.freedesktop.Notifications on the session bus). Calls are
// asynchronous (g_dbus_connection_call): their replies come back through a callback that GLib dispatches on
// the main loop native/loop.ts drives. The message's GVariant is built with GLib's non-variadic constructors
// (no C varargs through FFI, and no text a page's strings could change the shape of).
import { cString, native, takeGError } from "./ffi.ts";
import { wakeLoop } from "./loop.ts";

const P = "pointer" as const;
const B = "buffer" as const;
const V = "void" as const;

const GIO = {
  g_bus_get_sync: { parameters: ["i32", P, B], result: P },
  g_dbus_connection_set_exit_on_close: { parameters: [P, "i32"], result: V },
  g_dbus_connection_is_closed: { parameters: [P], result: "i32" },
  g_dbus_connection_call: {
    parameters: [P, B, B, B, B, P, B, "i32", "i32", P, "function", P],
    result: V,
  },
  g_dbus_connection_call_finish: { parameters: [P, P, B], result: P },
  g_variant_new_string: { parameters: [B], result: P },
  g_variant_new_uint32: { parameters: ["u32"], result: P },
  g_variant_new_int32: { parameters: ["i32"], result: P },
  g_variant_new_array: { parameters: [B, P, "usize"], result: P },
  g_variant_new_tuple: { parameters: [B, "usize"], result: P },
  g_variant_ref_sink: { parameters: [P], result: P },
  g_variant_unref: { parameters: [P], result: V },
} as const;

type Symbols = Deno.DynamicLibrary<typeof GIO>["symbols"];

/** One notification, as the plugin hands it over. */
export interface NotificationMessage {
  appName: string;
  title: string;
  body: string;
  icon: string;
}

export interface NativeNotifier {
  /** Shows it through the session's notification service; rejects with a clear reason when none runs. */
  notify(message: NotificationMessage): Promise<void>;
  /** Whether a notification service answers on the session bus. */
  available(): Promise<boolean>;
}

const SERVICE = "org.freedesktop.Notifications";
const PATH = "/org/freedesktop/Notifications";
const G_BUS_TYPE_SESSION = 2;
const TIMEOUT_MS = 10_000;

interface State {
  gio: Symbols;
  callback: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "pointer"]; result: "void" }>;
}

let state: State | null = null;
let connection: Deno.PointerValue = null;
type Reply = { reply: Deno.PointerValue; error: null } | { reply: null; error: string };
const pending = new Map<number, (reply: Reply) => void>();
let nextCall = 1;

function open(): State {
  if (state) return state;
  native(); // GLib's g_free and g_error_free, and the JSC signal set before anything of GLib's starts
  const gio = Deno.dlopen("libgio-2.0.so.0", GIO).symbols;
  state = {
    gio,
    callback: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer", "pointer"], result: "void" } as const,
      (source, result, data) => {
        // Reports instead of throwing: an exception must not unwind through GLib.
        try {
          const id = Number(Deno.UnsafePointer.value(data));
          const out = new BigUint64Array(1);
          const reply = gio.g_dbus_connection_call_finish(source, result, out);
          const resolve = pending.get(id);
          pending.delete(id);
          const error = reply === null ? takeGError(out) ?? "no reply" : null;
          if (!resolve) {
            if (reply !== null) gio.g_variant_unref(reply);
            return;
          }
          resolve(error === null ? { reply, error: null } : { reply: null, error });
        } catch (error) {
          console.error(`airlock: notification reply failed: ${(error as Error)?.message ?? error}`);
        }
      },
    ),
  };
  return state;
}

const env = (name: string): string | undefined => {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
};

/** The session bus, or why there is none. Without DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus there
 * is no session to join (GIO would try to autolaunch a bus of this process's own: no service would be on
 * it). */
function bus(gio: Symbols): Deno.PointerValue {
  if (connection !== null && !gio.g_dbus_connection_is_closed(connection)) return connection;
  if (connection !== null) native().gobject.g_object_unref(connection);
  connection = null;
  const runtime = env("XDG_RUNTIME_DIR");
  let socket = false;
  try {
    socket = runtime !== undefined && Deno.statSync(`${runtime}/bus`).isSocket === true;
  } catch {
    socket = false;
  }
  if (!env("DBUS_SESSION_BUS_ADDRESS") && !socket) {
    throw new Error(
      "no desktop notifications: there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset), so no " +
        `notification service (${SERVICE}) can be reached`,
    );
  }
  const out = new BigUint64Array(1);
  const bus = gio.g_bus_get_sync(G_BUS_TYPE_SESSION, null, out);
  if (bus === null) {
    throw new Error(`no desktop notifications: the D-Bus session bus cannot be reached (${takeGError(out)})`);
  }
  // The shared session connection would end the whole process when the bus goes away.
  gio.g_dbus_connection_set_exit_on_close(bus, 0);
  connection = bus;
  return bus;
}

/** Calls `method` on the notification service; resolves with its reply (the caller unrefs it). */
function call(method: string, parameters: Deno.PointerValue, replyType: string): Promise<Deno.PointerValue> {
  const { gio, callback } = open();
  let session: Deno.PointerValue;
  try {
    session = bus(gio);
  } catch (error) {
    if (parameters !== null) gio.g_variant_unref(gio.g_variant_ref_sink(parameters));
    return Promise.reject(error);
  }
  const id = nextCall++;
  const answer = new Promise<Reply>((resolve) => pending.set(id, resolve));
  gio.g_dbus_connection_call(
    session,
    cString(SERVICE),
    cString(PATH),
    cString(SERVICE),
    cString(method),
    parameters, // floating: the call takes it
    cString(replyType),
    0,
    TIMEOUT_MS,
    null,
    callback.pointer,
    Deno.UnsafePointer.create(BigInt(id)),
  );
  wakeLoop();
  return answer.then((result) => {
    if (result.error !== null) throw new Error(explain(result.error));
    return result.reply;
  });
}

/** GDBus's error, said for the app: no service is the common case on a desktop without a notifier. */
function explain(error: string): string {
  if (/ServiceUnknown|NameHasNoOwner|was not provided by any \.service files/.test(error)) {
    return `no desktop notifications: no notification service runs on the session bus (${SERVICE}; ${error})`;
  }
  return `the notification service failed: ${error}`;
}

function string(gio: Symbols, text: string): Deno.PointerValue {
  return gio.g_variant_new_string(cString(text));
}

/** A tuple of (floating) children. */
function tuple(gio: Symbols, children: Deno.PointerValue[]): Deno.PointerValue {
  const array = new BigUint64Array(children.map((child) => BigInt(Deno.UnsafePointer.value(child))));
  return gio.g_variant_new_tuple(array, BigInt(children.length));
}

export const nativeNotifier: NativeNotifier = {
  async notify({ appName, title, body, icon }) {
    const { gio } = open();
    // Notify(s app_name, u replaces_id, s app_icon, s summary, s body, as actions, a{sv} hints,
    // i expire_timeout) → (u id)
    const parameters = tuple(gio, [
      string(gio, appName),
      gio.g_variant_new_uint32(0),
      string(gio, icon),
      string(gio, title),
      string(gio, body),
      gio.g_variant_new_array(cString("s"), null, 0n),
      gio.g_variant_new_array(cString("{sv}"), null, 0n),
      gio.g_variant_new_int32(-1),
    ]);
    const reply = await call("Notify", parameters, "(u)");
    gio.g_variant_unref(reply);
  },
  async available() {
    const { gio } = open();
    try {
      // GetServerInformation() → (s name, s vendor, s version, s spec_version): any answer is a service.
      gio.g_variant_unref(await call("GetServerInformation", null, "(ssss)"));
      return true;
    } catch {
      return false;
    }
  },
};
