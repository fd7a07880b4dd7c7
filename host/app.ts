// The composition root: an App owns the config, the commands, the built isolation document, the file and
// HTTP policy (through the built-in commands) and its windows by label; `launch()` opens one and its
// windows and hands back the first window with the app's own members beside it.
import type { IsolationDocument } from "../isolation/document.ts";
import { type EmbeddedApp, embeddedAssets, readAsset } from "../core/assets.ts";
import { BUILTIN_PLUGINS, isBuiltin, pluginOf } from "../core/builtins.ts";
import { type AppConfig, ConfigError, loadConfig, parseConfig, type WindowConfig } from "../core/config.ts";
import type { Commands } from "../core/router.ts";
import { appPluginManifests, Policy } from "../core/policy.ts";
import { CapabilityError } from "../core/capabilities.ts";
import { MANIFESTS } from "../core/plugins/manifests.ts";
import { documentCsp } from "../core/security.ts";
import type { Asset } from "../core/assets.ts";
import type { AuditEntry } from "../core/window.ts";
import { API_MODULE_PATH, apiModule, AppWindow, type WindowHandle } from "./window.ts";
import { enableAutomation } from "../native/automation.ts";
import { devServerAsset } from "./dev_server.ts";
import { Inspector } from "./inspector.ts";

export interface LaunchOptions {
  /** Path of a Tauri-shaped config file, or the parsed object (paths then relative to the cwd). */
  config?: string | Record<string, unknown>;
  /** An app built by `deno task build`: config and assets from memory, no folders read. */
  embedded?: EmbeddedApp;
  commands?: Commands;
  /** Label of the first window (when the config lists none of its own, or to rename its first). */
  label?: string;
  /** Copy the page's console to stdout. */
  console?: boolean;
  /** Enable the web inspector (defaults to the config's airlock.devtools). */
  devtools?: boolean;
  /** Where each rejected message, and each web process that ended under its page (kind "process-ended"),
   * is reported, once; by default one JSON line on stderr. */
  audit?: (entry: AuditEntry) => void;
  /** Sees every message the relay passes to the core, as it arrives ("s" + a sealed envelope, "p" + an
   * unsealed brownfield call, "t" a ticket request, "a" a document's hello), and every sealed event the
   * core sends down ("d" + envelope), "B<n>" for a large call's byte envelope of n bytes, POSTed by the
   * relay, "b<n>" before the n calls of a batch (calls that left the relay in one turn, each then seen
   * as above), a malformed batch as it came ("b" + whatever followed), and "w" + token, the relay asking for the answer of
   * a batched call that was still running: for tests and protocol debugging. */
  tap?: (wire: string) => void;
  /** Dev mode: the config's devCsp (if any) instead of its csp. */
  dev?: boolean;
  /** Let a WebDriver client (WebKitWebDriver) drive every window: test runs only (see the README's
   * WebDriver section). Off by default; `main.ts dev --automation` or AIRLOCK_AUTOMATION=1 turn it on. */
  automation?: boolean;
  /** Dev only (with `dev`): open the isolation inspector, a window listing what became of every call. */
  inspector?: boolean;
  /** Tauri's `setup`: runs once the config's windows are open (a commands module's `setup` export). */
  setup?: AppSetup;
}

/** Runs with the app once its windows are open (listen to page events, start timers, open windows). It
 * may return a function, run when the app's first window closes (or before a dev restart); if it throws,
 * the windows close and launch() rejects with its error. */
export type AppSetup = (app: AppHandle) => void | (() => unknown) | Promise<void | (() => unknown)>;

/** The first window of a launched app, with the app's members beside its own. */
export interface AppHandle extends WindowHandle {
  readonly config: AppConfig;
  /** The isolation document being served (its build report included), or null in brownfield. */
  readonly isolation: IsolationDocument | null;
  /** Dev's isolation inspector, when open (launch({ dev: true, inspector: true })). */
  readonly inspector: Inspector | null;
  /** Rebuilds the isolation app from its folder and reloads only the isolation frames with it (a new
   * document, key and handshake in each window; the pages keep their state). Throws the build error,
   * keeping the old one. */
  rebuildIsolation(): Promise<IsolationDocument>;
  /** Every open window, in the order they opened. */
  windows(): WindowHandle[];
  /** The open window with this label. */
  window(label: string): WindowHandle | undefined;
  /** Opens another window (Tauri's window options; url under the app's origin).
   * @example const prefs = await app.openWindow({ label: "prefs", url: "prefs.html" }); */
  openWindow(options: Partial<WindowConfig> & { label: string }): Promise<WindowHandle>;
  /** Sends an event to one window's page (label) or to every window's (null). */
  emitTo(label: string | null, event: string, payload?: unknown): Promise<void>;
}

export class App {
  readonly windows = new Map<string, AppWindow>();
  /** What each window may call, from the app's capabilities. */
  readonly policy: Policy;
  /** Dev's isolation inspector (host/inspector.ts), or null. */
  readonly inspector: Inspector | null;
  #built: IsolationDocument | null;

  private constructor(
    readonly config: AppConfig,
    readonly commands: Commands,
    built: IsolationDocument | null,
    private readonly options: LaunchOptions,
  ) {
    this.inspector = options.inspector && options.dev
      ? new Inspector(config.pattern.use === "isolation", config.app.name)
      : null;
    this.#built = this.#inspected(built);
    this.policy = config.capabilities === null ? Policy.open() : appPolicy(config, commands);
  }

  /** Reads the config (or the embedded app), checks the commands and builds the isolation app. */
  static async load(options: LaunchOptions): Promise<App> {
    const { embedded } = options;
    if (!embedded && options.config === undefined) {
      throw new ConfigError("launch: give a config (or an embedded app)");
    }
    const config = embedded
      ? parseConfig(embedded.config, "<embedded config>", Deno.cwd())
      : await loadConfig(options.config!);
    if (embedded?.capabilities !== undefined) config.capabilities = embedded.capabilities;
    if (embedded?.appPermissions) config.appPermissions = embedded.appPermissions;
    const commands = options.commands ?? {};
    for (const name of Object.keys(commands)) {
      if (isBuiltin(name)) {
        throw new Error(
          `command name ${JSON.stringify(name)} is reserved: the ${pluginOf(name)} plugin is Airlock's own ` +
            `(an app's own plugins may use any other name: ${BUILTIN_PLUGINS.join(", ")} are taken)`,
        );
      }
    }
    let built: IsolationDocument | null = null;
    if (config.pattern.use === "isolation") {
      built = embedded ? embedded.isolation : await buildFromFolder(config.pattern.dir);
      if (!built) throw new ConfigError("the embedded app has no built isolation document");
    }
    return new App(config, commands, built, options);
  }

  get isolation(): IsolationDocument | null {
    return this.#built;
  }

  /** With the inspector open, the isolation runtime reports what the hook let through. */
  #inspected(built: IsolationDocument | null): IsolationDocument | null {
    return built && this.inspector ? { ...built, inspect: true } : built;
  }

  /** Labels of windows still loading their first page: taken already (see openWindow). */
  readonly #opening = new Set<string>();
  /** launch() failed: no window may stay, not even one still loading (a page may have asked for it). */
  #failed = false;

  /** The app did not start: every window is closed — one still loading as soon as it has loaded — and
   * dev's inspector with them, so nothing holds the process open with nobody to close it. */
  async fail(): Promise<void> {
    this.#failed = true;
    await Promise.all([...this.windows.values()].map((window) => window.close()));
    await this.inspector?.close();
  }

  /** Every label in use, open or opening. */
  labels(): string[] {
    return [...this.windows.keys(), ...this.#opening];
  }

  /** Whose capabilities each window has: its own label's, or — for a window a page opened — those of the
   * window that opened it (never more: a page must not gain rights by choosing a label a more privileged
   * capability names). */
  readonly #policyLabel = new Map<string, string>();

  /** Opens a window; `opener` is the window whose page asked for it (absent: the config, or Deno code). */
  async openWindow(spec: WindowConfig, opener?: string): Promise<AppWindow> {
    // Taken before the first await: two opens of one label (or a page racing the config's own window for
    // it) cannot both pass.
    if (this.windows.has(spec.label) || this.#opening.has(spec.label)) {
      throw new Error(`a window labelled "${spec.label}" is open already`);
    }
    this.#opening.add(spec.label);
    try {
      return await this.#open(
        spec,
        opener === undefined ? spec.label : this.#policyLabel.get(opener) ?? opener,
      );
    } finally {
      this.#opening.delete(spec.label);
      if (!this.windows.has(spec.label)) this.#policyLabel.delete(spec.label); // it never opened
    }
  }

  async #open(spec: WindowConfig, policyLabel: string): Promise<AppWindow> {
    this.#policyLabel.set(spec.label, policyLabel);
    const window = await AppWindow.open(spec, {
      config: this.config,
      commands: this.commands,
      isolation: () => this.#built,
      inspector: this.inspector,
      asset: (path) => this.#asset(path),
      policy: this.policy.forWindow(spec.label, policyLabel),
      audit: this.options.audit ??
        ((entry) =>
          console.error(
            `airlock: ${entry.kind === "process-ended" ? "web process ended" : "rejected message"} ${
              JSON.stringify(entry)
            }`,
          )),
      tap: this.options.tap,
      route: (event, payload, label) => this.emitTo(label, event, payload),
      windows: {
        labels: () => this.labels(),
        get: (label) => this.windows.get(label),
        open: (spec, opener) => this.openWindow(spec, opener),
      },
      windowEvent: (label, event, payload) => this.windowEvent(label, event, payload),
      console: this.options.console ?? false,
      devtools: this.options.devtools ?? this.config.devtools,
    });
    if (this.#failed) {
      await window.close();
      throw new Error("the app did not start");
    }
    this.windows.set(spec.label, window);
    window.closed.then(() => {
      if (this.windows.get(spec.label) !== window) return;
      this.windows.delete(spec.label);
      this.#policyLabel.delete(spec.label);
      // Tauri's tauri://destroyed, for the pages that listen for this window's (its own is gone).
      void this.windowEvent(spec.label, "tauri://destroyed", null);
    });
    return window;
  }

  /**
   * A file of the app's frontend (or Airlock's API module), with the app's security headers and its CSP —
   * on every response, not only HTML: a same-origin 404, SVG or XML document in a frame would otherwise be
   * a page without the policy. HTML gets the hashes of its own inline scripts and styles added.
   */
  async #asset(path: string): Promise<Asset> {
    const { embedded } = this.options;
    // Dev with a dev server (build.devUrl): its answer for the same path and query (host/dev_server.ts).
    const devUrl = this.options.dev ? this.config.devServer.url : null;
    const asset = path === API_MODULE_PATH
      ? apiModule()
      : devUrl
      ? await devServerAsset(devUrl, path)
      : embedded
      ? embeddedAssets(embedded.frontend)(path)
      : await readAsset(this.config.frontendDir, path);
    const { security } = this.config;
    const headers: Record<string, string> = {
      ...asset.headers,
      "X-Content-Type-Options": "nosniff",
      ...security.headers,
    };
    const html = asset.status === 200 && /^(text\/html|application\/xhtml\+xml)\b/.test(asset.contentType);
    const csp = await documentCsp(security, html ? new TextDecoder().decode(asset.body) : "", {
      dev: this.options.dev ?? false,
      isolation: this.config.pattern.use === "isolation",
    });
    if (csp) headers["Content-Security-Policy"] = csp;
    return { ...asset, headers };
  }

  /** An event of window `label` to every page listening for it. */
  async windowEvent(label: string, event: string, payload: unknown): Promise<void> {
    await Promise.all(
      [...this.windows.values()].map((window) => window.core.events.emitFor(label, event, payload)),
    );
  }

  /** An event to one window's page, or to every window's. */
  async emitTo(label: string | null, event: string, payload?: unknown): Promise<void> {
    const targets = label === null
      ? [...this.windows.values()]
      : [this.windows.get(label)].filter((w) => !!w);
    await Promise.all(targets.map((window) => window!.emit(event, payload)));
  }

  async rebuildIsolation(): Promise<IsolationDocument> {
    if (this.config.pattern.use !== "isolation") {
      throw new Error("this app has no isolation app (brownfield)");
    }
    if (this.options.embedded) throw new Error("an embedded app has no isolation folder to rebuild from");
    const next = await buildFromFolder(this.config.pattern.dir);
    this.#built = this.#inspected(next);
    await Promise.all([...this.windows.values()].map((window) => window.reloadIsolation()));
    return next;
  }
}

/**
 * Opens an app and the windows its config lists; resolves, once the first has loaded, to that window's
 * handle with the app's members beside it.
 * @example
 * const app = await launch({ config: "demo/airlock.conf.json", commands });
 * await app.evaluate(`window.airlock.invoke("greet", { name: "Ada" })`);
 * await app.close();
 */
export async function launch(options: LaunchOptions): Promise<AppHandle> {
  const app = await App.load(options);
  const automation = options.automation === true;
  if (automation) {
    enableAutomation({ name: AUTOMATION_BROWSER_NAME, version: app.config.app.version });
    console.error(
      "airlock: automation on: a WebDriver client may drive this app, its isolation frame included (tests only)",
    );
  }
  // WebKitWebDriver reaches an automated app through the inspector server it asks for; no other app has one.
  closeInspectorServer(automation ? ["WEBKIT_INSPECTOR_HTTP_SERVER"] : INSPECTOR_SERVERS);
  app.inspector?.open();
  const [first, ...rest] = app.config.windows;
  let main: AppWindow;
  try {
    main = await app.openWindow(options.label ? { ...first, label: options.label } : first);
    for (const spec of rest) await app.openWindow(spec);
  } catch (error) {
    await app.fail(); // a window that could not load fails launch(), and takes the others with it
    throw error;
  }
  void main.closed.then(() => app.inspector?.close());
  const handle: AppHandle = {
    get label() {
      return main.label;
    },
    inspector: app.inspector,
    get title() {
      return main.title;
    },
    get closed() {
      return main.closed;
    },
    config: app.config,
    get isolation() {
      return app.isolation;
    },
    evaluate: (js, evaluateOptions) => main.evaluate(js, evaluateOptions),
    emit: (event, payload) => main.emit(event, payload),
    listen: (event, listener) => main.listen(event, listener),
    rebuildIsolation: () => app.rebuildIsolation(),
    showOverlay: (message) => main.showOverlay(message),
    reload: () => main.reload(),
    close: () => main.close(),
    windows: () => [...app.windows.values()],
    window: (label) => app.windows.get(label),
    openWindow: (spec) =>
      app.openWindow({ title: app.config.app.title, url: "index.html", width: 800, height: 600, ...spec }),
    emitTo: (label, event, payload) => app.emitTo(label, event, payload),
  };
  if (options.setup) await runSetup(options.setup, handle, () => app.fail());
  return handle;
}

/** The app's capabilities resolved against the built-in plugins: an unknown permission fails here,
 * at start, as a config error naming its file. */
function appPolicy(config: AppConfig, commands: Commands): Policy {
  try {
    const manifests = [...MANIFESTS, ...appPluginManifests(Object.keys(commands))];
    return new Policy(config.capabilities, manifests, config.appPermissions, {
      warn: (message) => console.error(`airlock: ${message}`),
    });
  } catch (error) {
    if (error instanceof CapabilityError) throw new ConfigError(error.message);
    throw error;
  }
}

async function runSetup(setup: AppSetup, app: AppHandle, fail: () => Promise<void>): Promise<void> {
  let cleanup: unknown;
  try {
    cleanup = await setup(app);
  } catch (error) {
    await fail();
    throw error;
  }
  if (typeof cleanup === "function") {
    void app.closed.then(() => cleanup()).catch((error) =>
      console.error(`airlock: the setup's cleanup failed: ${(error as Error)?.message ?? error}`)
    );
  }
}

/** WebDriver's browserName for every Airlock app (browserVersion is the app's version). */
export const AUTOMATION_BROWSER_NAME = "airlock";

/** Builds the isolation app from its folder (dev, tests). Loaded only then: an embedded app, which ships
 * its document built, never loads the build code. */
async function buildFromFolder(dir: string): Promise<IsolationDocument> {
  const { buildIsolationDocument } = await import("../build/isolation.ts");
  return await buildIsolationDocument(dir);
}

/** WebKit opens a remote Web Inspector for whichever of these is set; only an automated app (WebDriver
 * tests) keeps WEBKIT_INSPECTOR_SERVER, which WebKitWebDriver sets. */
const INSPECTOR_SERVERS = ["WEBKIT_INSPECTOR_SERVER", "WEBKIT_INSPECTOR_HTTP_SERVER"];
function closeInspectorServer(names: string[]): void {
  for (const name of names) {
    try {
      Deno.env.delete(name);
    } catch (error) {
      // WebKit reads the environment itself: if Deno may not clear it, the inspector could open.
      throw new ConfigError(
        `cannot clear ${name} before WebKit starts (${(error as Error).message}): run with --allow-env`,
      );
    }
  }
}
