// A native window holding one WebKitWebView, driven from Deno.
//
// Assets come from in-process custom URI schemes (no loopback port), page → Deno messages arrive through a
// script message handler registered in a named script world, and Deno → page goes through
// webkit_web_view_call_async_javascript_function. The three C callbacks are created once per process and
// never closed: GTK may still call them for a view that is being torn down, and a closed callback would
// crash the process. They find their window through the id passed as user_data.
import {
  cString,
  initGtk,
  type Libraries,
  readCString,
  takeCString,
  takeGError,
  withoutStderr,
} from "./ffi.ts";
import { answeredInPlace, holdForDeno, holdLoop, releaseLoop, wakeLoop } from "./loop.ts";
import type { SchemeRequest, SchemeResponse } from "../protocol/scheme.ts";
import { concatBytes } from "../protocol/wire.ts";
import { NativeWindow } from "./window.ts";
import {
  automationContext,
  automationEnabled,
  claimScheme,
  forgetView,
  newAutomatedView,
  requestView,
} from "./automation.ts";

export type { SchemeRequest, SchemeResponse };

export type WindowEventKind = "configure" | "focus" | "blur";

export interface UserScript {
  source: string;
  /** Script world name; omitted = the page's own (main) world. */
  world?: string;
  /** Into every frame (iframes too), not only the top one. */
  allFrames?: boolean;
}

export interface WebviewOptions {
  title: string;
  width: number;
  height: number;
  /** scheme name → handler; each scheme is served in-process for this window only. */
  schemes: Record<string, (request: SchemeRequest) => SchemeResponse | Promise<SchemeResponse>>;
  /** Schemes other origins may fetch from, under CORS (their answers say which origins). */
  corsSchemes?: string[];
  /** Scripts injected into the top frame at document start, before any page script, in this order. */
  userScripts: UserScript[];
  /** The one channel from page to Deno: reachable only from scripts of `world`; the reply settles the
   * page-side promise returned by postMessage. A string returned is the reply at once, from inside the
   * signal (no turn of either event loop); a promise, the reply when it settles. */
  messageHandler: { name: string; world: string; onMessage: (text: string) => string | Promise<string> };
  devtools?: boolean;
  /** false: never a WebDriver window, even with automation on (a tool window of the host, such as dev's
   * isolation inspector, in a web context of its own). */
  automatable?: boolean;
  /** Copy the page's console messages to stdout (handy in dev, noise in tests). */
  console?: boolean;
  /** Called when a new document is committed to the window (a load, reload or navigation). */
  onPageCommitted?: () => void;
  /** The window's web process ended under the page (it crashed, was killed, or went over WebKit's memory
   * limit): the page is gone and the window shows nothing until it is loaded again. */
  onProcessTerminated?: (why: ProcessTermination) => void;
  /** Where the page's web storage (localStorage, IndexedDB, cookies, caches) lives: the app's own folder,
   * so two apps never share it. WebKit's shared default when omitted. */
  dataDir?: string;
  /** The user (or the window manager) asks to close the window; true keeps it open. */
  onCloseRequested?: () => boolean;
  /** The window was resized or moved ("configure"), or gained or lost the focus. */
  onWindowEvent?: (kind: WindowEventKind) => void;
  /** A frame is about to go to `uri` (a link, a form, location, window.open…): true lets it. Without
   * this, every navigation goes ahead; a new window (target=_blank, window.open) never opens itself. */
  onNavigation?: (request: NavigationRequest) => boolean;
}

export interface NavigationRequest {
  uri: string;
  /** target=_blank or window.open: a new window was asked for. */
  newWindow: boolean;
  /** Whether the user's own click or key started it. */
  userGesture: boolean;
}

const HARDWARE_ACCELERATION_NEVER = 2;
let gpu: boolean | null = null;
/** Whether the machine has a GPU render node (/dev/dri/renderD*); AIRLOCK_GPU=0/1 overrides. */
function gpuPresent(): boolean {
  let forced: string | undefined;
  try {
    forced = Deno.env.get("AIRLOCK_GPU");
  } catch { /* no env permission: detect */ }
  if (forced === "0" || forced === "1") return forced === "1";
  if (gpu === null) {
    try {
      gpu = [...Deno.readDirSync("/dev/dri")].some((entry) => entry.name.startsWith("renderD"));
    } catch {
      gpu = false;
    }
  }
  return gpu;
}

const WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION = 0;
const WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION = 1;

const WEBKIT_USER_CONTENT_INJECT_ALL_FRAMES = 0;
const WEBKIT_USER_CONTENT_INJECT_TOP_FRAME = 1;
const WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START = 0;
const SOUP_MESSAGE_HEADERS_RESPONSE = 1;
const WEBKIT_LOAD_COMMITTED = 2;
const WEBKIT_LOAD_FINISHED = 3;
const GTK_ORIENTATION_VERTICAL = 1;

/** Why a window's web process ended, as WebKit says (WebKitWebProcessTerminationReason). */
export type ProcessTermination = "crashed" | "exceeded its memory limit" | "was terminated";
const TERMINATIONS: ProcessTermination[] = ["crashed", "exceeded its memory limit", "was terminated"];

const windows = new Map<number, Webview>();
let nextWindowId = 1;
let nextEvaluationId = 1;

type CallbackHub = {
  scheme: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer"]; result: "void" }>;
  message: Deno.UnsafeCallback<
    { parameters: ["pointer", "pointer", "pointer", "pointer"]; result: "i32" }
  >;
  evaluated: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "pointer"]; result: "void" }>;
  destroyed: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer"]; result: "void" }>;
  loadChanged: Deno.UnsafeCallback<{ parameters: ["pointer", "u32", "pointer"]; result: "void" }>;
  processTerminated: Deno.UnsafeCallback<{ parameters: ["pointer", "u32", "pointer"]; result: "void" }>;
  deleteRequested: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "pointer"]; result: "i32" }>;
  configured: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "pointer"]; result: "i32" }>;
  focused: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "pointer"]; result: "i32" }>;
  blurred: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "pointer"]; result: "i32" }>;
  decidePolicy: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "u32", "pointer"]; result: "i32" }>;
  createView: Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "pointer"]; result: "pointer" }>;
};
let hub: CallbackHub | null = null;

const idOf = (userData: Deno.PointerValue) => Number(Deno.UnsafePointer.value(userData));
const idPointer = (id: number) => Deno.UnsafePointer.create(BigInt(id));
/** Automated windows share one context (native/automation.ts): its schemes are registered with id 0 and
 * answered for the view that asked. */
const SHARED = 0;
const byView = new Map<bigint, Webview>();
const windowOf = (request: Deno.PointerValue, id: number) =>
  id === SHARED ? byView.get(BigInt(Deno.UnsafePointer.value(requestView(request)))) : windows.get(id);

/** Runs a native callback's body; an exception must not unwind through GLib (it would end the loop,
 * and with it the app), so it is reported and the callback returns normally. */
function guarded<T>(what: string, fallback: T, body: () => T): T {
  try {
    return body();
  } catch (error) {
    console.error(`airlock: ${what} failed: ${(error as Error)?.message ?? error}`);
    return fallback;
  }
}

function callbacks(): CallbackHub {
  if (hub) return hub;
  hub = {
    scheme: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer"], result: "void" } as const,
      (request, userData) =>
        guarded("a scheme request", undefined, () => windowOf(request, idOf(userData))?.serve(request)),
    ),
    message: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer", "pointer", "pointer"], result: "i32" } as const,
      (_manager, value, reply, userData) =>
        guarded("a message from the page", 0, () => {
          const window = windows.get(idOf(userData));
          if (!window) return 0;
          window.receive(value, reply);
          return 1;
        }),
    ),
    evaluated: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer", "pointer"], result: "void" } as const,
      (source, result, userData) =>
        guarded("an evaluation", undefined, () => settleEvaluation(source, result, idOf(userData))),
    ),
    destroyed: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer"], result: "void" } as const,
      (_widget, userData) =>
        guarded("closing a window", undefined, () => windows.get(idOf(userData))?.onDestroyed()),
    ),
    loadChanged: new Deno.UnsafeCallback(
      { parameters: ["pointer", "u32", "pointer"], result: "void" } as const,
      (_view, event, userData) =>
        guarded("a page load", undefined, () => {
          if (event === WEBKIT_LOAD_COMMITTED) windows.get(idOf(userData))?.onLoadCommitted();
          if (event === WEBKIT_LOAD_FINISHED) windows.get(idOf(userData))?.onLoadFinished();
        }),
    ),
    deleteRequested: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer", "pointer"], result: "i32" } as const,
      (_widget, _event, userData) =>
        guarded("a close request", 0, () => windows.get(idOf(userData))?.onCloseRequested() ? 1 : 0),
    ),
    processTerminated: new Deno.UnsafeCallback(
      { parameters: ["pointer", "u32", "pointer"], result: "void" } as const,
      (_view, reason, userData) =>
        guarded(
          "a web process's end",
          undefined,
          () => windows.get(idOf(userData))?.onProcessTerminated(reason),
        ),
    ),
    decidePolicy: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer", "u32", "pointer"], result: "i32" } as const,
      // A failure refuses: a navigation nobody could check must not happen.
      (_view, decision, type, userData) =>
        guarded("a navigation decision", 0, () => windows.get(idOf(userData))?.decide(decision, type) ?? 0),
    ),
    // window.open asks for a new view straight away ("create"): none is ever given (window.open returns
    // null); the host is told what was asked for and may open an app window itself.
    createView: new Deno.UnsafeCallback(
      { parameters: ["pointer", "pointer", "pointer"], result: "pointer" } as const,
      (_view, action, userData) =>
        guarded("a new window request", null, () => {
          windows.get(idOf(userData))?.asked(action, true);
          return null;
        }),
    ),
    // Window-manager events, passed on (returning 0 lets GTK handle them as usual).
    configured: windowEvent("configure"),
    focused: windowEvent("focus"),
    blurred: windowEvent("blur"),
  };
  return hub;
}

type EventCallback = Deno.UnsafeCallback<{ parameters: ["pointer", "pointer", "pointer"]; result: "i32" }>;

function windowEvent(kind: WindowEventKind): EventCallback {
  return new Deno.UnsafeCallback(
    { parameters: ["pointer", "pointer", "pointer"], result: "i32" },
    (_widget, _event, userData) =>
      guarded(`a window ${kind} event`, 0, () => {
        // After GTK has taken the event in: sizes and positions read from the window are the new ones.
        const window = windows.get(idOf(userData));
        if (window) queueMicrotask(() => window.onWindowEvent(kind));
        return 0;
      }),
  );
}

const evaluations = new Map<
  number,
  {
    resolve: (v: unknown) => void;
    reject: (e: Error) => void;
    done: () => void;
    view: Webview;
    /** How many times the view's web process had ended when it began. */
    ends: number;
  }
>();

function evaluationError(pending: { view: Webview; ends: number }, error: string | null): Error {
  const gone = pending.view.endedSince(pending.ends);
  return new Error(`evaluate failed: ${gone ? `the window's web process ${gone}` : error ?? "no value"}`);
}

function settleEvaluation(view: Deno.PointerValue, result: Deno.PointerValue, id: number) {
  const pending = evaluations.get(id);
  evaluations.delete(id);
  const { webkit, jsc, gobject } = initGtk();
  try {
    const errorOut = new BigUint64Array(1);
    const value = webkit.webkit_web_view_call_async_javascript_function_finish(view, result, errorOut);
    const error = takeGError(errorOut);
    if (!pending || error !== null || value === null) {
      if (value) gobject.g_object_unref(value);
      // When the web process ends, WebKit fails its evaluations first ("Unsupported result type") and
      // says why only after: the rejection waits a turn of the loop to give the reason.
      if (pending) setTimeout(() => pending.reject(evaluationError(pending, error)), 0);
      return;
    }
    const json = takeCString(jsc.jsc_value_to_json(value, 0));
    gobject.g_object_unref(value);
    pending.resolve(json === null ? undefined : JSON.parse(json));
  } finally {
    // The window's web context lives until every evaluation begun in it has finished (one that finished
    // after the context was gone, when a page closed its own window mid-evaluation, corrupted the heap).
    pending?.done();
  }
}

// G_TYPE_STRING (G_TYPE_MAKE_FUNDAMENTAL(16)), and a GValue's size on 64-bit: { GType; union data[2] }.
const G_TYPE_STRING = 16n << 2n;
const GVALUE_BYTES = 24;

/** A web context whose website data manager keeps everything under `dir` (data in dir, caches in
 * dir/cache): constructed with g_object_new_with_properties, which takes arrays, not varargs. */
function contextWithDataIn(lib: Libraries, dir: string): Deno.PointerValue {
  // One website data manager per folder for the whole process, kept to the end: WebKit's storage wants
  // a single owner for a data directory, and every window of an app (or a second launch of it) shares one.
  let manager = managers.get(dir);
  if (!manager) {
    manager = newDataManager(lib, dir);
    managers.set(dir, manager);
  }
  return lib.webkit.webkit_web_context_new_with_website_data_manager(manager);
}
const managers = new Map<string, Deno.PointerValue>();

function newDataManager(lib: Libraries, dir: string): Deno.PointerValue {
  const { gobject, webkit } = lib;
  const names = ["base-data-directory", "base-cache-directory"];
  const paths = [dir, `${dir}/cache`];
  const strings = names.map(cString);
  const pointers = new BigUint64Array(names.length);
  strings.forEach((s, i) => pointers[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s))));
  const values = new Uint8Array(GVALUE_BYTES * names.length);
  for (let i = 0; i < names.length; i++) {
    const value = values.subarray(i * GVALUE_BYTES, (i + 1) * GVALUE_BYTES);
    gobject.g_value_init(value, G_TYPE_STRING);
    gobject.g_value_set_string(value, cString(paths[i])); // copied into the GValue
  }
  const manager = gobject.g_object_new_with_properties(
    webkit.webkit_website_data_manager_get_type(),
    names.length,
    new Uint8Array(pointers.buffer),
    values,
  );
  for (let i = 0; i < names.length; i++) gobject.g_value_unset(values.subarray(i * GVALUE_BYTES));
  return manager;
}

const AsyncFunction = (async () => {}).constructor as new (body: string) => unknown;

/** Wraps js as an async function body: an expression is returned, statements run as they are. */
function asFunctionBody(js: string): string {
  try {
    new AsyncFunction(`return (${js}\n);`); // parse only, never run here
    // A function (say, an unlisten callback) has no JSON value: it comes back as undefined, not an error.
    return `const value = await (${js}\n);\nreturn typeof value === "function" ? undefined : value;`;
  } catch {
    return js;
  }
}

export class Webview {
  readonly id = nextWindowId++;
  /** The GTK window's sizes, positions, state and monitors. */
  readonly native: NativeWindow;
  /** Settles when the window is gone, whether the user closed it or close() was called. */
  readonly closed: Promise<void>;
  #lib: Libraries;
  #options: WebviewOptions;
  #window: Deno.PointerValue;
  #view: Deno.PointerValue;
  #context: Deno.PointerValue;
  #signals: { instance: Deno.PointerValue; handler: bigint }[] = [];
  #alive = true;
  #markClosed!: () => void;
  #loadWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  /** The web process under the current page has ended (until the next load starts a new one), and how
   * the last one ended: evaluations WebKit fails without a reason of its own are given it. */
  #processGone = false;
  #lastEnd: ProcessTermination | null = null;
  #loadedOnce = false;
  #ends = 0;
  /** Scheme requests, message replies and evaluations still under way: the web context must outlive them. */
  #inFlight = 0;

  constructor(options: WebviewOptions) {
    const lib = initGtk();
    const { gtk, webkit } = lib;
    this.#lib = lib;
    this.#options = options;
    this.closed = new Promise((resolve) => this.#markClosed = resolve);
    const hub = callbacks();
    windows.set(this.id, this);
    holdLoop();

    // A context per window: its schemes answer for this window alone.
    // The first context starts WebKit in this process, which reads JSC_SIGNAL_FOR_GC (see native() in
    // ffi.ts) and prints a line about it (see withoutStderr). Then the variable goes: WebKit's own
    // processes, started later, are not Deno and keep JSC's default signal, and print nothing either.
    const first = Deno.env.get("JSC_SIGNAL_FOR_GC") !== undefined;
    const automated = automationEnabled() && options.automatable !== false;
    const own = () =>
      options.dataDir ? contextWithDataIn(lib, options.dataDir) : webkit.webkit_web_context_new();
    const create = automated ? () => automationContext(lib, own) : own;
    this.#context = first ? withoutStderr(create) : create();
    if (first) Deno.env.delete("JSC_SIGNAL_FOR_GC");
    const security = webkit.webkit_web_context_get_security_manager(this.#context);
    for (const scheme of Object.keys(options.schemes)) {
      if (automated && !claimScheme(scheme)) continue;
      webkit.webkit_web_context_register_uri_scheme(
        this.#context,
        cString(scheme),
        hub.scheme.pointer,
        idPointer(automated ? SHARED : this.id),
        null,
      );
      webkit.webkit_security_manager_register_uri_scheme_as_secure(security, cString(scheme));
      if (options.corsSchemes?.includes(scheme)) {
        webkit.webkit_security_manager_register_uri_scheme_as_cors_enabled(security, cString(scheme));
      }
    }

    this.#view = automated
      ? newAutomatedView(lib, this.#context, () => void this.close())
      : webkit.webkit_web_view_new_with_context(this.#context);
    if (automated) byView.set(BigInt(Deno.UnsafePointer.value(this.#view)), this);
    const settings = webkit.webkit_web_view_get_settings(this.#view);
    webkit.webkit_settings_set_enable_developer_extras(settings, options.devtools ? 1 : 0);
    // With no GPU render node, WebKit's GL compositing runs in software (llvmpipe) and only costs memory
    // (~60 MiB per web process measured under Xvfb) and CPU: composite on the CPU instead.
    if (!gpuPresent()) {
      webkit.webkit_settings_set_hardware_acceleration_policy(settings, HARDWARE_ACCELERATION_NEVER);
    }
    webkit.webkit_settings_set_enable_write_console_messages_to_stdout(settings, options.console ? 1 : 0);
    // Every window.open reaches onNavigation, which decides (WebKit's own popup blocker would drop some
    // without a word); without onNavigation, WebKit never opens a window anyway (no "create" handler).
    if (options.onNavigation) {
      webkit.webkit_settings_set_javascript_can_open_windows_automatically(settings, 1);
    }

    const manager = webkit.webkit_web_view_get_user_content_manager(this.#view);
    for (const script of options.userScripts) {
      const frames = script.allFrames
        ? WEBKIT_USER_CONTENT_INJECT_ALL_FRAMES
        : WEBKIT_USER_CONTENT_INJECT_TOP_FRAME;
      const handle = script.world
        ? webkit.webkit_user_script_new_for_world(
          cString(script.source),
          frames,
          WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START,
          cString(script.world),
          null,
          null,
        )
        : webkit.webkit_user_script_new(
          cString(script.source),
          frames,
          WEBKIT_USER_SCRIPT_INJECT_AT_DOCUMENT_START,
          null,
          null,
        );
      webkit.webkit_user_content_manager_add_script(manager, handle);
      webkit.webkit_user_script_unref(handle);
    }
    const { name, world } = options.messageHandler;
    // Registered in a named world only: page scripts (main world) and subframes never see this handler.
    if (
      !webkit.webkit_user_content_manager_register_script_message_handler_with_reply(
        manager,
        cString(name),
        cString(world),
      )
    ) throw new Error(`could not register the script message handler ${name}`);
    this.#connect(manager, `script-message-with-reply-received::${name}`, hub.message);
    this.#connect(this.#view, "load-changed", hub.loadChanged);
    this.#connect(this.#view, "web-process-terminated", hub.processTerminated);
    if (options.onNavigation) {
      this.#connect(this.#view, "decide-policy", hub.decidePolicy);
      this.#connect(this.#view, "create", hub.createView);
    }

    this.#window = gtk.gtk_window_new(0);
    gtk.gtk_window_set_title(this.#window, cString(options.title));
    gtk.gtk_window_set_default_size(
      this.#window,
      Math.max(1, Math.min(16_384, Math.round(options.width))),
      Math.max(1, Math.min(16_384, Math.round(options.height))),
    );
    // A vertical box: the view fills it, below the window's menu bar when it has one (native/menu.ts).
    const box = gtk.gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    gtk.gtk_box_pack_end(box, this.#view, 1, 1, 0);
    gtk.gtk_container_add(this.#window, box);
    this.#connect(this.#window, "destroy", hub.destroyed);
    this.#connect(this.#window, "delete-event", hub.deleteRequested);
    this.#connect(this.#window, "configure-event", hub.configured);
    this.#connect(this.#window, "focus-in-event", hub.focused);
    this.#connect(this.#window, "focus-out-event", hub.blurred);
    this.native = new NativeWindow(lib, this.#window, this.#view, box);
    gtk.gtk_widget_show_all(this.#window);
    wakeLoop();
  }

  #connect(instance: Deno.PointerValue, signal: string, callback: { pointer: Deno.PointerObject }) {
    const { gobject } = this.#lib;
    const handler = gobject.g_signal_connect_data(
      instance,
      cString(signal),
      callback.pointer,
      idPointer(this.id),
      null,
      0,
    );
    this.#signals.push({ instance, handler });
  }

  /** Loads uri; settles when the load has finished (or the window closed meanwhile). */
  load(uri: string): Promise<void> {
    if (!this.#alive) return Promise.reject(new Error("the window is closed"));
    const finished = this.#nextLoad();
    this.#lib.webkit.webkit_web_view_load_uri(this.#view, cString(uri));
    wakeLoop();
    return finished;
  }

  reload(): Promise<void> {
    if (!this.#alive) return Promise.reject(new Error("the window is closed"));
    const finished = this.#nextLoad();
    this.#lib.webkit.webkit_web_view_reload(this.#view);
    wakeLoop();
    return finished;
  }

  #nextLoad(): Promise<void> {
    // A new load starts a new web process if the last one ended.
    this.#processGone = false;
    return new Promise((resolve, reject) => this.#loadWaiters.push({ resolve, reject }));
  }

  /** @internal */
  onWindowEvent(kind: WindowEventKind): void {
    if (this.#alive) this.#options.onWindowEvent?.(kind);
  }

  /** @internal the delete-event: true keeps the window open. */
  onCloseRequested(): boolean {
    return this.#options.onCloseRequested?.() ?? false;
  }

  /** @internal decide-policy: 1 when the decision is made here (used or ignored), 0 for WebKit's default. */
  decide(decision: Deno.PointerValue, type: number): number {
    const newWindow = type === WEBKIT_POLICY_DECISION_TYPE_NEW_WINDOW_ACTION;
    if (!newWindow && type !== WEBKIT_POLICY_DECISION_TYPE_NAVIGATION_ACTION) return 0;
    const action = this.#lib.webkit.webkit_navigation_policy_decision_get_navigation_action(decision);
    // A new window is never WebKit's to open: the host opens one itself if it wants.
    if (this.asked(action, newWindow) && !newWindow) this.#lib.webkit.webkit_policy_decision_use(decision);
    else this.#lib.webkit.webkit_policy_decision_ignore(decision);
    return 1;
  }

  /** @internal What onNavigation says of a navigation action (false when it cannot be read). */
  asked(action: Deno.PointerValue, newWindow: boolean): boolean {
    const { webkit } = this.#lib;
    const uri = readCString(
      webkit.webkit_uri_request_get_uri(webkit.webkit_navigation_action_get_request(action)),
    );
    return this.#alive && uri !== null && (this.#options.onNavigation?.({
      uri,
      newWindow,
      userGesture: webkit.webkit_navigation_action_is_user_gesture(action) !== 0,
    }) ?? true);
  }

  /** @internal */
  onLoadCommitted(): void {
    this.#options.onPageCommitted?.();
  }

  /** @internal */
  onLoadFinished(): void {
    this.#loadedOnce = true;
    for (const { resolve } of this.#loadWaiters.splice(0)) resolve();
  }

  /** @internal web-process-terminated: a load waiting for this page will never finish. */
  onProcessTerminated(reason: number): void {
    if (!this.#alive) return;
    const why = TERMINATIONS[reason] ?? "ended";
    this.#processGone = true;
    this.#lastEnd = why;
    this.#ends++;
    const error = new Error(`the window's web process ${why} before the page had loaded`);
    for (const { reject } of this.#loadWaiters.splice(0)) reject(error);
    this.#options.onProcessTerminated?.(why);
  }

  /** A page has finished loading in this window (set in the signal itself, before any awaiting code), or
   * the window is gone. */
  get loadedOnce(): boolean {
    return this.#loadedOnce;
  }

  /** @internal how the web process ended last, if it has ended since it had ended `ends` times. */
  endedSince(ends: number): ProcessTermination | null {
    return this.#ends > ends || this.#processGone ? this.#lastEnd : null;
  }

  /** Runs js (an expression or statements; `await` allowed) in the top frame and returns its JSON value. */
  evaluate(js: string, world?: string): Promise<unknown> {
    if (!this.#alive) return Promise.reject(new Error("the window is closed"));
    const id = nextEvaluationId++;
    const body = cString(asFunctionBody(js));
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    this.#inFlight++;
    evaluations.set(id, { resolve, reject, done: () => this.#settled(), view: this, ends: this.#ends });
    this.#lib.webkit.webkit_web_view_call_async_javascript_function(
      this.#view,
      body,
      -1n,
      null,
      world ? cString(world) : null,
      null,
      null,
      callbacks().evaluated.pointer,
      idPointer(id),
    );
    wakeLoop();
    return promise;
  }

  /** The native window's title, as GTK has it. */
  get title(): string {
    if (!this.#alive) return "";
    return readCString(this.#lib.gtk.gtk_window_get_title(this.#window)) ?? "";
  }

  setTitle(title: string): void {
    if (!this.#alive) return;
    this.#lib.gtk.gtk_window_set_title(this.#window, cString(title));
    wakeLoop();
  }

  /** Destroys the window and waits until GTK has let go of it. */
  async close(): Promise<void> {
    if (this.#alive) {
      this.#lib.gtk.gtk_widget_destroy(this.#window);
      wakeLoop();
    }
    await this.closed;
  }

  /** @internal called from the destroy signal, by close() or by the user closing the window. */
  onDestroyed(): void {
    if (!this.#alive) return;
    this.#alive = false;
    this.native.markDestroyed();
    const { gobject } = this.#lib;
    for (const { instance, handler } of this.#signals.splice(0)) {
      // The window's own handler goes with it; the others must be cut by hand.
      if (instance !== this.#window) gobject.g_signal_handler_disconnect(instance, handler);
    }
    // Answers still on their way finish against the context, so it goes when the last of them is done.
    if (this.#inFlight === 0) gobject.g_object_unref(this.#context);
    windows.delete(this.id);
    if (byView.get(BigInt(Deno.UnsafePointer.value(this.#view))) === this) {
      byView.delete(BigInt(Deno.UnsafePointer.value(this.#view)));
      forgetView(this.#view);
    }
    this.onLoadFinished();
    // Leave the dispatch that called us before stopping the loop.
    queueMicrotask(async () => {
      await releaseLoop();
      this.#markClosed();
    });
  }

  /** @internal a custom-scheme request for this window; answered asynchronously. */
  serve(request: Deno.PointerValue): void {
    const { webkit, gobject, soup } = this.#lib;
    const headers = webkit.webkit_uri_scheme_request_get_http_headers(request);
    const scheme = readCString(webkit.webkit_uri_scheme_request_get_scheme(request)) ?? "";
    const parsed: SchemeRequest = {
      scheme,
      path: readCString(webkit.webkit_uri_scheme_request_get_path(request)) ?? "/",
      uri: readCString(webkit.webkit_uri_scheme_request_get_uri(request)) ?? "",
      method: readCString(webkit.webkit_uri_scheme_request_get_http_method(request)) ?? "GET",
      header: (name) =>
        headers ? readCString(soup.soup_message_headers_get_one(headers, cString(name))) : null,
      body: (max) => this.#readBody(request, max),
    };
    const handler = this.#options.schemes[scheme];
    gobject.g_object_ref(request);
    this.#inFlight++;
    const done = holdForDeno();
    Promise.resolve()
      .then(() => handler(parsed))
      .catch((error): SchemeResponse => {
        console.error(`airlock: ${parsed.uri}: ${(error as Error).message}`);
        return { status: 500, contentType: "text/plain", body: new TextEncoder().encode("internal error") };
      })
      .then((response) => {
        try {
          this.#finish(request, response);
          gobject.g_object_unref(request);
          this.#settled();
        } finally {
          done();
          wakeLoop();
        }
      });
  }

  /** A scheme request's body, read whole while the request is being served (WebKit hands it over as a
   * stream of what the page sent): null when there is none or it is longer than max. */
  #readBody(request: Deno.PointerValue, max: number): Uint8Array<ArrayBuffer> | null {
    const { webkit, gio, gobject } = this.#lib;
    const stream = webkit.webkit_uri_scheme_request_get_http_body(request);
    if (!stream) return null;
    try {
      const chunks: Uint8Array[] = [];
      let total = 0;
      const read = new BigUint64Array(1);
      const error = new BigUint64Array(1);
      for (;;) {
        const chunk = new Uint8Array(Math.min(1 << 20, max + 1 - total) || 1);
        if (!gio.g_input_stream_read_all(stream, chunk, BigInt(chunk.byteLength), read, null, error)) {
          takeGError(error);
          return null;
        }
        const n = Number(read[0]);
        total += n;
        if (total > max) return null;
        if (n > 0) chunks.push(n === chunk.byteLength ? chunk : chunk.subarray(0, n));
        if (n < chunk.byteLength) break;
      }
      return concatBytes(chunks);
    } finally {
      gobject.g_object_unref(stream);
    }
  }

  /** One in-flight answer is done; the last one after the window closed releases the web context. */
  #settled() {
    if (--this.#inFlight === 0 && !this.#alive) this.#lib.gobject.g_object_unref(this.#context);
  }

  #finish(request: Deno.PointerValue, response: SchemeResponse) {
    const { glib, gio, gobject, soup, webkit } = this.#lib;
    const bytes = glib.g_bytes_new(response.body, BigInt(response.body.byteLength));
    const stream = gio.g_memory_input_stream_new_from_bytes(bytes);
    glib.g_bytes_unref(bytes);
    const answer = webkit.webkit_uri_scheme_response_new(stream, BigInt(response.body.byteLength));
    webkit.webkit_uri_scheme_response_set_content_type(answer, cString(response.contentType));
    webkit.webkit_uri_scheme_response_set_status(answer, response.status, null);
    const headers = soup.soup_message_headers_new(SOUP_MESSAGE_HEADERS_RESPONSE);
    // The headers set here replace the response's whole header list, the one fetch() reads: without its
    // own Content-Type and Content-Length a page saw none (null, and blobs of type "").
    const given = Object.keys(response.headers ?? {}).map((name) => name.toLowerCase());
    if (!given.includes("content-type")) {
      soup.soup_message_headers_append(headers, cString("Content-Type"), cString(response.contentType));
    }
    if (!given.includes("content-length")) {
      const length = String(response.body.byteLength);
      soup.soup_message_headers_append(headers, cString("Content-Length"), cString(length));
    }
    for (const [name, value] of Object.entries(response.headers ?? {})) {
      soup.soup_message_headers_append(headers, cString(name), cString(value));
    }
    webkit.webkit_uri_scheme_response_set_http_headers(answer, headers); // takes ownership
    webkit.webkit_uri_scheme_request_finish_with_response(request, answer);
    gobject.g_object_unref(answer);
    gobject.g_object_unref(stream);
  }

  /** @internal a message from the handler's world; the reply settles the sender's promise. */
  receive(value: Deno.PointerValue, reply: Deno.PointerValue): void {
    const { webkit, jsc, gobject, glib } = this.#lib;
    let text: string | null = null;
    let problem = "the core accepts only string messages";
    if (jsc.jsc_value_is_string(value)) {
      const pointer = jsc.jsc_value_to_string(value);
      try {
        text = readCString(pointer);
      } catch (error) {
        problem = `the message cannot be read: ${(error as Error).message}`; // e.g. longer than Deno reads
      } finally {
        glib.g_free(pointer);
      }
    }
    const context = jsc.jsc_value_get_context(value);
    webkit.webkit_script_message_reply_ref(reply);
    gobject.g_object_ref(context); // the JS context must outlive this signal for the async reply
    this.#inFlight++;
    const send = (answer: string) => {
      const result = jsc.jsc_value_new_string(context, cString(answer));
      webkit.webkit_script_message_reply_return_value(reply, result);
      gobject.g_object_unref(result);
      webkit.webkit_script_message_reply_unref(reply);
      gobject.g_object_unref(context);
      this.#settled();
    };
    const failed = (error: unknown) =>
      JSON.stringify({ ok: false, error: `internal error: ${(error as Error)?.message ?? error}` });
    let answered: string | Promise<string>;
    try {
      answered = text === null
        ? JSON.stringify({ ok: false, error: problem })
        : this.#options.messageHandler.onMessage(text);
    } catch (error) {
      answered = failed(error);
    }
    if (typeof answered === "string") {
      send(answered); // inside GTK's dispatch: no wake-up needed
      return answeredInPlace();
    }
    const done = holdForDeno();
    answered.catch(failed).then((answer) => {
      try {
        send(answer);
      } finally {
        done();
        wakeLoop();
      }
    });
  }
}
