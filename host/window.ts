// One window of an app: a native webview (native/), the bridge's scripts in it (frontend/), and the core's
// message handling for it (core/window.ts). Its own isolation sessions, keys, tickets and outbox.
import { pageScript, pluginInitScript, relayScript } from "./scripts.ts";
import { devConsoleScript } from "./dev_console.ts";
import { sameToken } from "./inspector.ts";
import {
  APP_ORIGIN,
  BRIDGE_WORLD,
  CORE_HANDLER,
  INSPECT_PATH,
  IPC_PATH,
  IPC_TOKEN_HEADER,
} from "../protocol/messages.ts";
import type { SchemeRequest } from "../protocol/scheme.ts";
import type { SchemeResponse } from "../protocol/scheme.ts";
import type { IsolationDocument } from "../isolation/document.ts";
import { type ProcessTermination, Webview } from "../native/webview.ts";
import type { NativeWindow } from "../native/window.ts";
import type { WindowControl } from "../core/plugins/window.ts";
import { type Asset } from "../core/assets.ts";
import { serveAsset } from "../core/asset_protocol.ts";
import { join } from "node:path";
import { builtinCommands } from "../core/builtins.ts";
import { appDataDir } from "../core/fs.ts";
import type { AppConfig, WindowConfig } from "../core/config.ts";
import type { EventListener } from "../core/events.ts";
import type { Commands } from "../core/router.ts";
import { type AuditEntry, WindowCore } from "../core/window.ts";
import type { WindowPolicy } from "../core/policy.ts";
import { navigationHandler } from "./navigation.ts";
import { installFsBackend } from "./fs.ts";
import { desktopFor } from "./desktop.ts";

const CLOSE_REQUESTED = "tauri://close-requested";

/** Where the app's web storage goes, or undefined (WebKit's shared default) when the platform's data
 * folder cannot be known — said once, not silently. */
function webDataDir(identifier: string): string | undefined {
  try {
    return join(appDataDir(identifier), "webkit");
  } catch (error) {
    if (!warnedNoDataDir) {
      warnedNoDataDir = true;
      console.error(`airlock: ${(error as Error).message}: web storage uses WebKit's shared default folder`);
    }
    return undefined;
  }
}
let warnedNoDataDir = false;

/** `import { invoke, fs } from "/__airlock/api.js"`: the same API as the window.airlock global. */
export const API_MODULE_PATH = "/__airlock/api.js";
export const apiModule = (): SchemeResponse => ({
  status: 200,
  contentType: "text/javascript; charset=utf-8",
  body: new TextEncoder().encode(
    `const api = window.airlock;\nexport const { invoke, listen, once, emit, fs, http, app } = api;\n` +
      `export const currentWindow = api.window;\nexport default api;\n`,
  ),
});

export interface WindowParts {
  config: AppConfig;
  commands: Commands;
  isolation: () => IsolationDocument | null;
  asset: (path: string) => Asset | Promise<Asset>;
  audit: (entry: AuditEntry) => void;
  tap?: (wire: string) => void;
  route: (event: string, payload: unknown, label: string | null) => Promise<void>;
  windows: {
    labels(): string[];
    get(label: string): WindowControl | undefined;
    /** Opens a window a page asked for; it gets the capabilities of `opener`, the window that asked. */
    open(spec: WindowConfig, opener: string): Promise<unknown>;
  };
  /** An event of this window to every page that listens for it (its own, and others' listeners for it). */
  windowEvent(label: string, event: string, payload: unknown): Promise<void>;
  console: boolean;
  devtools: boolean;
  /** Dev's isolation inspector, if open: the relay's reports on each call go to it. */
  inspector?: { record(window: string, report: string): void } | null;
  /** What the window's capabilities allow (absent: no checks). */
  policy?: WindowPolicy;
}

/** What a test, a harness or an app's own code holds of one window. */
export interface WindowHandle {
  readonly label: string;
  /** The native window's title. */
  readonly title: string;
  /** Runs JS in the window's main frame (an expression or statements, `await` allowed) and returns the
   * JSON-serialisable result. `world: "airlock"` runs it beside the bridge instead, for testing the core's
   * own defences as if the page had broken out of its world.
   * @example await win.evaluate(`window.airlock.invoke("greet", { name: "Ada" })`) */
  evaluate(js: string, options?: { world?: string }): Promise<unknown>;
  /** Sends an event to this window's page: only its listeners for that event receive it. */
  emit(event: string, payload?: unknown): Promise<void>;
  /** Listens for an event this window's page emits; returns the function that stops listening. */
  listen(event: string, listener: EventListener): () => void;
  /** Shows a message over the page (dev build errors), or removes it with null. */
  showOverlay(message: string | null): Promise<void>;
  /** Reloads the page (and so its isolation frame, with a fresh key). */
  reload(): Promise<void>;
  close(): Promise<void>;
  /** Settles when the window is gone, also when the user closed it. */
  readonly closed: Promise<void>;
}

/** How often a window's page is loaded again after its web process ended, within RESTART_PERIOD_MS. */
const MAX_RESTARTS = 3;
const RESTART_PERIOD_MS = 60_000;

export class AppWindow implements WindowHandle, WindowControl {
  readonly label: string;
  readonly closed: Promise<void>;
  readonly core: WindowCore;
  readonly #view: Webview;
  readonly #parts: WindowParts;

  private constructor(spec: WindowConfig, parts: WindowParts) {
    installFsBackend(); // once per process: the fs plugin's files opened beneath their scopes (openat2)
    this.label = spec.label;
    this.#parts = parts;
    const closing = new AbortController();
    let view: Webview | null = null;
    this.core = new WindowCore({
      label: spec.label,
      config: parts.config,
      commands: parts.commands,
      builtins: (events) =>
        builtinCommands(parts.config, events, {
          label: spec.label,
          signal: closing.signal,
          windows: { ...parts.windows, open: (opened) => parts.windows.open(opened, spec.label) },
          desktop: desktopFor(() => view?.native),
        }),
      isolation: parts.isolation,
      toRelay: (js, world) => view ? view.evaluate(js, world) : Promise.resolve(),
      audit: parts.audit,
      tap: parts.tap,
      route: parts.route,
      policy: parts.policy,
    });
    const core = this.core;
    view = new Webview({
      title: spec.title,
      width: spec.width,
      height: spec.height,
      schemes: {
        // The frontend API as an ES module, at a path reserved for it.
        // The app's files (the API module among them, with the app's CSP and headers), and large calls.
        app: (request) =>
          request.path === IPC_PATH && request.method === "POST"
            ? ipcAnswer(core, request)
            : request.path === INSPECT_PATH && request.method === "POST"
            ? inspectAnswer(core, request, spec.label, parts.inspector)
            // With the query: a dev server (build.devUrl) needs it; files ignore it.
            : parts.asset(request.path + (/\?[^#]*/.exec(request.uri)?.[0] ?? "")),
        isolation: (request) => core.serveIsolation(request),
        // Tauri's asset protocol (convertFileSrc): files in app.security.assetProtocol.scope only.
        asset: (request) =>
          serveAsset(request, parts.config.assetProtocol, {
            origin: APP_ORIGIN,
            audit: (reason) => parts.audit({ window: spec.label, reason }),
          }),
      },
      corsSchemes: ["asset"],
      userScripts: [
        {
          source: relayScript({
            appOrigin: APP_ORIGIN,
            isolated: parts.config.pattern.use === "isolation",
            maxWireChars: core.maxWireChars,
            hookTimeoutMs: parts.config.limits.hookTimeoutMs,
            readyTimeoutMs: parts.config.limits.readyTimeoutMs,
            coreHandler: CORE_HANDLER,
            ipcToken: core.ipcToken,
            ...(parts.inspector ? { inspect: true } : {}),
          }),
          world: BRIDGE_WORLD,
        },
        { source: pageScript({ appOrigin: APP_ORIGIN, window: spec.label }) },
        { source: pluginInitScript() },
        // Dev: readable console lines, in every frame (the isolation app's too).
        ...(parts.console ? [{ source: devConsoleScript(spec.label), allFrames: true }] : []),
        // Tauri's freezePrototype: after Airlock's own scripts, before any of the page's.
        ...(parts.config.security.freezePrototype ? [{ source: "Object.freeze(Object.prototype);" }] : []),
      ],
      messageHandler: {
        name: CORE_HANDLER,
        world: BRIDGE_WORLD,
        onMessage: (wire) => core.handleInPlace(wire),
      },
      devtools: parts.devtools,
      console: parts.console,
      // The page's localStorage, IndexedDB, cookies and caches: the app's own, by its identifier.
      dataDir: webDataDir(parts.config.app.identifier),
      onPageCommitted: () => core.pageCommitted(),
      onProcessTerminated: (why) => this.#processEnded(why),
      // The window manager's close button: Tauri's close-requested, which the page may prevent.
      onCloseRequested: () => this.#askToClose(),
      onWindowEvent: (kind) => this.#windowEvent(kind),
      onNavigation: navigationHandler({
        label: spec.label,
        policy: parts.policy,
        audit: parts.audit,
        allowPageWindows: parts.config.allowPageWindows,
        openWindow: (opened) => parts.windows.open(opened, spec.label),
        labels: () => parts.windows.labels(),
        title: parts.config.app.title,
        // A link out of the app goes to the system's opener as the page's own invoke of
        // plugin:opener|open_url would: through the isolation hook, then the core's capability check.
        openExternal: (url) =>
          view
            ? view.evaluate(`openExternally(${JSON.stringify(url)})`, BRIDGE_WORLD).then(() => {})
            : Promise.resolve(),
      }),
    });
    this.#view = view;
    this.closed = view.closed;
    view.closed.then(() => closing.abort());
  }

  /** Opens the window and loads its page. */
  static async open(spec: WindowConfig, parts: WindowParts): Promise<AppWindow> {
    const window = new AppWindow(spec, parts);
    window.#apply(spec);
    try {
      await window.#view.load(`${APP_ORIGIN}/${spec.url.replace(/^\/+/, "")}`);
    } catch (error) {
      await window.#view.close(); // nobody has a handle on it: it must not stay on screen, holding the loop
      throw error;
    }
    return window;
  }

  /** When the page was last loaded again after its web process ended (ms, performance.now()). */
  #restarts: number[] = [];

  /** The web process under the page ended (it crashed, or was killed): the page, its isolation session
   * and its calls in flight are gone. The page is loaded again in a new process, a few times a minute at
   * most so that a page that crashes WebKit at once does not spin; a first load that fails this way fails
   * AppWindow.open (and launch()) instead, saying why. */
  #processEnded(why: ProcessTermination): void {
    this.core.pageCommitted();
    if (!this.#view.loadedOnce) return;
    const now = performance.now();
    this.#restarts = this.#restarts.filter((at) => now - at < RESTART_PERIOD_MS);
    const audit = (reason: string) =>
      this.#parts.audit({ window: this.label, reason, kind: "process-ended" });
    if (this.#restarts.length >= MAX_RESTARTS) {
      audit(`the web process ${why} again (${MAX_RESTARTS} times within a minute): the page stays unloaded`);
      return;
    }
    this.#restarts.push(now);
    // Evaluations wait for the new page: run now, they would meet the empty document between the two.
    const restart = this.#restart = this.#view.reload().catch(() => {}); // a failure ends here again
    restart.then(() => {
      if (this.#restart === restart) this.#restart = null;
    });
    audit(`the web process ${why}: the page is loaded again`); // after the reload: an audit hook may throw
  }
  #restart: Promise<void> | null = null;

  /** The config's window options beyond title and size (Tauri's names, logical pixels). */
  #apply(spec: WindowConfig): void {
    const native = this.#view.native;
    const scale = native.scaleFactor;
    const pair = (a?: number, b?: number) =>
      a === undefined && b === undefined ? undefined : { width: (a ?? 0) * scale, height: (b ?? 0) * scale };
    const min = pair(spec.minWidth, spec.minHeight);
    const max = pair(spec.maxWidth ?? 16_384, spec.maxHeight ?? 16_384);
    if (min || spec.maxWidth !== undefined || spec.maxHeight !== undefined) {
      native.setSizeLimits({
        min: min ?? null,
        max: spec.maxWidth !== undefined || spec.maxHeight !== undefined ? max : null,
      });
    }
    if (spec.x !== undefined || spec.y !== undefined) {
      native.setPosition({ x: (spec.x ?? 0) * scale, y: (spec.y ?? 0) * scale });
    } else if (spec.center) native.center();
    if (spec.resizable !== undefined) native.setResizable(spec.resizable);
    if (spec.decorations !== undefined) native.setDecorated(spec.decorations);
    if (spec.alwaysOnTop !== undefined) native.setAlwaysOnTop(spec.alwaysOnTop);
    if (spec.maximized) native.maximize(true);
    if (spec.fullscreen) native.setFullscreen(true);
    if (spec.visible === false) native.setVisible(false);
    if (spec.focus) native.focus();
    if (spec.theme) native.setTheme(spec.theme);
  }

  get title(): string {
    return this.#view.title;
  }

  get native(): NativeWindow {
    return this.#view.native;
  }

  setTitle(title: string): void {
    this.#view.setTitle(title);
  }

  /** Tauri's close: with a page listening for tauri://close-requested, that listener decides (its
   * onCloseRequested destroys the window unless prevented); otherwise the window closes. */
  async requestClose(): Promise<void> {
    if (!this.#askToClose()) await this.destroy();
  }

  /** True when the page was asked (and so the window stays open for now). */
  #askToClose(): boolean {
    // Only the window's own page may keep it open: another window's listener hears the request, but
    // may not act on this window (a page acts on its own window only), so it could only block it.
    if (!this.core.events.hasPageListener(CLOSE_REQUESTED)) return false;
    void this.#parts.windowEvent(this.label, CLOSE_REQUESTED, null);
    return true;
  }

  #size = { width: 0, height: 0 };
  #position = { x: 0, y: 0 };
  /** Tauri's window events, with its payloads: tauri://resize {width, height}, tauri://move {x, y}
   * (physical pixels), tauri://focus and tauri://blur (null). */
  #windowEvent(kind: "configure" | "focus" | "blur"): void {
    const emit = (event: string, payload: unknown) =>
      void this.#parts.windowEvent(this.label, event, payload);
    if (kind !== "configure") return emit(kind === "focus" ? "tauri://focus" : "tauri://blur", null);
    const native = this.#view.native;
    const size = native.innerSize, position = native.position;
    if (size.width !== this.#size.width || size.height !== this.#size.height) {
      this.#size = size;
      emit("tauri://resize", size);
    }
    if (position.x !== this.#position.x || position.y !== this.#position.y) {
      this.#position = position;
      emit("tauri://move", position);
    }
  }

  destroy(): Promise<void> {
    return this.#view.close();
  }

  async evaluate(js: string, options?: { world?: string }): Promise<unknown> {
    // A restart's new process may end too, and another restart take its place: wait for the last one.
    while (this.#restart) await this.#restart;
    return this.#view.evaluate(js, options?.world);
  }

  emit(event: string, payload?: unknown): Promise<void> {
    return this.core.events.emit(event, payload);
  }

  listen(event: string, listener: EventListener): () => void {
    return this.core.events.listen(event, listener);
  }

  /** Loads the isolation app's current build into the frame (a new document, key and handshake). */
  async reloadIsolation(): Promise<void> {
    await this.#view.evaluate(`reloadIsolation()`, BRIDGE_WORLD);
  }

  async showOverlay(message: string | null): Promise<void> {
    await this.#view.evaluate(`showOverlay(${JSON.stringify(message)})`, BRIDGE_WORLD);
  }

  reload(): Promise<void> {
    return this.#view.reload();
  }

  close(): Promise<void> {
    return this.#view.close();
  }
}

/** A large call POSTed by the relay (frontend/relay.ts): the core's answer, as the response body. */
/** Dev's inspector: the relay's report on one call, taken only with its world's token (never a page's). */
function inspectAnswer(
  core: WindowCore,
  request: SchemeRequest,
  label: string,
  inspector: WindowParts["inspector"],
): SchemeResponse {
  const token = request.header(IPC_TOKEN_HEADER);
  const body = inspector && sameToken(token, core.ipcToken) ? request.body(1024 * 1024) : null;
  if (body) inspector!.record(label, new TextDecoder().decode(body));
  return { status: body ? 204 : 404, contentType: "text/plain", body: new Uint8Array() };
}

async function ipcAnswer(core: WindowCore, request: SchemeRequest): Promise<SchemeResponse> {
  // The token first: a page script's POST is refused with its body unread. Then at most one byte over
  // the largest envelope the core accepts: a longer body is refused unread too.
  const token = request.header(IPC_TOKEN_HEADER);
  const body = core.acceptsToken(token) ? request.body(core.maxWireChars) : null;
  const answer = await core.handlePost(body, token);
  return {
    status: 200,
    contentType: "application/json",
    body: new TextEncoder().encode(answer),
    // Never a document: nothing in it may run, whatever frame it is loaded in.
    headers: {
      "Cache-Control": "no-store",
      "Content-Security-Policy": "default-src 'none'",
      "X-Content-Type-Options": "nosniff",
    },
  };
}
