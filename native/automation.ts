// WebDriver automation of an app's windows through WebKitGTK's own automation (WebKitWebDriver drives
// the app's process through WebKit's remote inspector protocol). Off unless the host turns it on with
// enableAutomation() before the first window: then, and only then,
//
// - every window shares one web context (WebKit lets one context per process allow automation, and a
//   WebDriver session sees only the views of its own context), whose custom schemes are registered once
//   and answered for the view that asked (see native/webview.ts);
// - that context allows automation, and its views are built with is-controlled-by-automation;
// - on automation-started, the session gets the app's name and version (what WebDriver reports as
//   browserName and browserVersion) and a create-web-view handler that hands it the app's first window;
// - a view's close signal (WebDriver's Close Window, DELETE session) destroys its window.
//
// A driver may do anything a user and the page could, and more: run script in any frame, the isolation
// frame included. Test runs only.
import { cString, type Libraries } from "./ffi.ts";

const P = "pointer" as const;
const B = "buffer" as const;
const V = "void" as const;

const SYMBOLS = {
  webkit_web_context_set_automation_allowed: { parameters: [P, "i32"], result: V },
  webkit_web_context_is_automation_allowed: { parameters: [P], result: "i32" },
  webkit_automation_session_set_application_info: { parameters: [P, P], result: V },
  webkit_application_info_new: { parameters: [], result: P },
  webkit_application_info_set_name: { parameters: [P, B], result: V },
  webkit_application_info_set_version: { parameters: [P, "u64", "u64", "u64"], result: V },
  webkit_application_info_unref: { parameters: [P], result: V },
  webkit_web_view_get_type: { parameters: [], result: "u64" },
  webkit_web_view_is_controlled_by_automation: { parameters: [P], result: "i32" },
  webkit_uri_scheme_request_get_web_view: { parameters: [P], result: P },
} as const;

const GOBJECT_SYMBOLS = {
  g_value_set_object: { parameters: [B, P], result: V },
} as const;

/** What the host turns automation on with: the app's name and version, as WebDriver reports them. */
export interface AutomationInfo {
  /** browserName in the session's capabilities (and what a client's browserName must equal). */
  name: string;
  /** browserVersion: "major.minor.micro" (missing parts are 0). */
  version: string;
}

type Symbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
type SessionCallback = Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "pointer"]; result: "void" }>;
type ViewCallback = Deno.UnsafeCallback<{ parameters: ["pointer", "pointer"]; result: "pointer" }>;
type CloseCallback = Deno.UnsafeCallback<{ parameters: ["pointer", "pointer"]; result: "void" }>;

let info: AutomationInfo | null = null;
let state: {
  symbols: Symbols;
  setObject: (value: Uint8Array<ArrayBuffer>, object: Deno.PointerValue) => void;
  context: Deno.PointerValue;
  schemes: Set<string>;
  started: SessionCallback;
  createView: ViewCallback;
  closed: CloseCallback;
} | null = null;
/** Whether this session's create-web-view has had its window. */
let handedOut = false;
/** Automated views in the order their windows opened; create-web-view hands out the first. */
const views: { view: Deno.PointerObject; close: () => void }[] = [];

/** Turns automation on for the windows this process opens from now on (for good: WebKit allows it on one
 * web context per process). */
export function enableAutomation(app: AutomationInfo): void {
  if (state) return; // on already, for this process's windows
  info = { ...app };
}

/** True when the host asked for automation (windows then share the automation context). */
export function automationEnabled(): boolean {
  return info !== null;
}

/** The process's one automation context, created by `create` on first use, with automation allowed and
 * the session's handlers connected. A reference for the caller (one per window, unref'd as usual). */
export function automationContext(lib: Libraries, create: () => Deno.PointerValue): Deno.PointerValue {
  if (!info) throw new Error("automation is not enabled");
  if (!state) {
    const symbols = Deno.dlopen("libwebkit2gtk-4.1.so.0", SYMBOLS).symbols;
    const gobject = Deno.dlopen("libgobject-2.0.so.0", GOBJECT_SYMBOLS).symbols;
    const context = create();
    symbols.webkit_web_context_set_automation_allowed(context, 1);
    if (!symbols.webkit_web_context_is_automation_allowed(context)) {
      throw new Error("WebKit refused to allow automation for this app's web context");
    }
    const app = info;
    const started: SessionCallback = new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer", "pointer"], result: "void" } as const,
      (_context, session) => onSessionStarted(lib, app, session),
    );
    const createView: ViewCallback = new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer"], result: "pointer" } as const,
      () => {
        // The session's first browsing context is the app's first open window. WebDriver's New Window
        // asks again: it gets none (an error, not the same window under a new name), as windows are the
        // app's to open, from its config or with new WebviewWindow in its pages.
        if (handedOut) return null;
        handedOut = true;
        const first = views[0]?.view ?? null;
        if (first) lib.gobject.g_object_ref(first); // the signal's caller takes a reference
        return first;
      },
    );
    // The callbacks live as long as the process: GTK may call them while a view is being torn down.
    const closed: CloseCallback = new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer"], result: "void" } as const,
      (view) => {
        try {
          entryOf(view)?.close();
        } catch (error) {
          console.error(`airlock: closing an automated window failed: ${(error as Error)?.message ?? error}`);
        }
      },
    );
    state = {
      symbols,
      setObject: (value, object) => gobject.g_value_set_object(value, object),
      context,
      schemes: new Set(),
      started,
      createView,
      closed,
    };
    connect(lib, context, "automation-started", started.pointer);
    // Kept for the process: a session may outlive every window.
    lib.gobject.g_object_ref(context);
    return context;
  }
  lib.gobject.g_object_ref(state.context);
  return state.context;
}

function onSessionStarted(lib: Libraries, app: AutomationInfo, session: Deno.PointerValue): void {
  try {
    handedOut = false;
    const { symbols, createView } = state!;
    const application = symbols.webkit_application_info_new();
    symbols.webkit_application_info_set_name(application, cString(app.name));
    const [major, minor, micro] = versionParts(app.version);
    symbols.webkit_application_info_set_version(application, major, minor, micro);
    symbols.webkit_automation_session_set_application_info(session, application);
    symbols.webkit_application_info_unref(application);
    connect(lib, session, "create-web-view", createView.pointer);
  } catch (error) {
    console.error(`airlock: starting a WebDriver session failed: ${(error as Error)?.message ?? error}`);
  }
}

/** "1.2.3-beta" → [1n, 2n, 3n]; what is not a number is 0. */
export function versionParts(version: string): [bigint, bigint, bigint] {
  const parts = version.split(/[.+-]/).slice(0, 3).map((part) => /^\d{1,9}$/.test(part) ? BigInt(part) : 0n);
  while (parts.length < 3) parts.push(0n);
  return [parts[0], parts[1], parts[2]];
}

function connect(lib: Libraries, instance: Deno.PointerValue, signal: string, callback: Deno.PointerObject) {
  lib.gobject.g_signal_connect_data(instance, cString(signal), callback, null, null, 0);
}

/** True when `scheme` still has to be registered on the shared context (the first window does it). */
export function claimScheme(scheme: string): boolean {
  if (!state) throw new Error("no automation context");
  if (state.schemes.has(scheme)) return false;
  state.schemes.add(scheme);
  return true;
}

// G_TYPE_BOOLEAN (G_TYPE_MAKE_FUNDAMENTAL(5)), G_TYPE_OBJECT (20); a GValue is 24 bytes on 64-bit.
const G_TYPE_BOOLEAN = 5n << 2n;
const G_TYPE_OBJECT = 20n << 2n;
const GVALUE_BYTES = 24;

/** A WebKitWebView in `context` with is-controlled-by-automation set (a construct-only property, so
 * g_object_new_with_properties: arrays, not varargs). `close` runs on the view's close signal. */
export function newAutomatedView(lib: Libraries, context: Deno.PointerValue, close: () => void) {
  if (!state) throw new Error("no automation context");
  const { gobject } = lib;
  const names = ["web-context", "is-controlled-by-automation"].map(cString);
  const pointers = new BigUint64Array(
    names.map((name) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(name)))),
  );
  const values = new Uint8Array(GVALUE_BYTES * names.length);
  const context_ = values.subarray(0, GVALUE_BYTES);
  const automated = values.subarray(GVALUE_BYTES);
  gobject.g_value_init(context_, G_TYPE_OBJECT);
  state.setObject(context_, context);
  gobject.g_value_init(automated, G_TYPE_BOOLEAN);
  gobject.g_value_set_boolean(automated, 1);
  const view = gobject.g_object_new_with_properties(
    state.symbols.webkit_web_view_get_type(),
    names.length,
    new Uint8Array(pointers.buffer),
    values,
  );
  gobject.g_value_unset(context_);
  gobject.g_value_unset(automated);
  if (!view || !state.symbols.webkit_web_view_is_controlled_by_automation(view)) {
    throw new Error("WebKit did not create an automated web view");
  }
  views.push({ view, close });
  // WebDriver's Close Window and DELETE session ask the view to close: its window goes with it.
  connect(lib, view, "close", state.closed.pointer);
  return view;
}

const entryOf = (view: Deno.PointerValue) =>
  views.find((entry) => Deno.UnsafePointer.equals(entry.view, view));

/** The view's window is gone: WebDriver no longer gets it from create-web-view. */
export function forgetView(view: Deno.PointerValue): void {
  const entry = entryOf(view);
  if (entry) views.splice(views.indexOf(entry), 1);
}

/** The web view a custom-scheme request came from (on the shared context, schemes answer per view). */
export function requestView(request: Deno.PointerValue): Deno.PointerValue {
  if (!state) return null;
  return state.symbols.webkit_uri_scheme_request_get_web_view(request);
}
