// The globals the page's code calls: window.airlock, and Tauri's window.__TAURI__ /
// __TAURI_INTERNALS__ (what @tauri-apps/api v2 calls, so frontends built on it run unchanged). Every
// function here is a thin call of the bridge; same strict rules as page.ts, and caller-given objects are
// read with `own` only (a getter planted on Object.prototype must not choose a call's baseDir).
import {
  encodeUriComponent,
  isView,
  objectFreeze,
  own,
  SafeString,
  SafeTypeError,
  utf8DecodeLossy,
} from "../protocol/primordials.ts";
import type { PageConfig } from "../protocol/messages.ts";
import { defineGlobal, type PageBridge, promiseOf } from "./page.ts";

type Args = Record<string, unknown>;

export function installPageApi(target: object, bridge: PageBridge, config: PageConfig): void {
  const { invoke, call, transformCallback, unregisterCallback } = bridge;
  /** A promise settled by the bridge's callback (no `.then` chain on a page-reachable promise). */
  const ask = <T>(cmd: string, args: unknown, map: (value: unknown) => T): Promise<T> =>
    promiseOf((resolve, reject) =>
      call(cmd, args, (ok, value) => ok ? resolve(map(value)) : reject(SafeString(value)))
    );
  const nothing = () => undefined;

  const unlisten = (event: unknown, id: number) => {
    unregisterCallback(id);
    call("plugin:event|unlisten", { event, eventId: id }, nothing);
  };
  /** Resolves, once the core has registered it, to the function that removes the listener. */
  const listen = (event: unknown, fn: unknown): Promise<() => void> => {
    if (typeof event !== "string") return rejected("listen: the event name must be a string");
    if (typeof fn !== "function") return rejected("listen: the handler must be a function");
    const id = transformCallback(fn);
    return promiseOf((resolve, reject) =>
      call("plugin:event|listen", { event, target: { kind: "Any" }, handler: id }, (ok, value) => {
        if (ok) return resolve(() => unlisten(event, id));
        unregisterCallback(id);
        reject(SafeString(value));
      })
    );
  };
  const once = (event: unknown, fn: unknown): Promise<() => void> => {
    if (typeof fn !== "function") return rejected("once: the handler must be a function");
    let stop: (() => void) | null = null;
    let done = false;
    const handler = (message: unknown) => {
      if (done) return;
      done = true;
      if (stop !== null) stop();
      (fn as (message: unknown) => void)(message);
    };
    return promiseOf((resolve, reject) => {
      if (typeof event !== "string") {
        return reject(new SafeTypeError("listen: the event name must be a string"));
      }
      const id = transformCallback(handler);
      call("plugin:event|listen", { event, target: { kind: "Any" }, handler: id }, (ok, value) => {
        if (!ok) {
          unregisterCallback(id);
          return reject(SafeString(value));
        }
        stop = () => unlisten(event, id);
        if (done) stop(); // the event came before the core had confirmed the listener
        resolve(stop);
      });
    });
  };
  const emit = (event: unknown, payload: unknown = null) =>
    ask("plugin:event|emit", { event, payload }, nothing);

  // The core's own APIs: plain invokes of its "plugin:…" commands, so the hook sees (and may refuse)
  // each one like any other call. baseDir names a file scope from the app's config.
  const fsCall = (cmd: string) => (path: unknown, options: unknown = {}) =>
    invoke(`plugin:fs|${cmd}`, {
      path,
      baseDir: own(options, "baseDir"),
      recursive: own(options, "recursive"),
    });
  const fsWrite = (cmd: string) => (path: unknown, contents: unknown, options: unknown = {}) =>
    invoke(`plugin:fs|${cmd}`, { path, contents, baseDir: own(options, "baseDir") });
  const fs = objectFreeze({
    // The core answers bytes (as Tauri's read_text_file does); the text is decoded here.
    readTextFile: (path: unknown, options: unknown = {}) =>
      ask(
        "plugin:fs|read_text_file",
        { path, baseDir: own(options, "baseDir") },
        (value) => isView(value) ? utf8DecodeLossy(value as Uint8Array) : value,
      ),
    readFile: fsCall("read_file"),
    writeTextFile: fsWrite("write_text_file"),
    writeFile: fsWrite("write_file"),
    readDir: fsCall("read_dir"),
    mkdir: fsCall("mkdir"),
    remove: fsCall("remove"),
    stat: fsCall("stat"),
    exists: fsCall("exists"),
  });
  const http = objectFreeze({
    fetch: (url: unknown, init: unknown = {}) =>
      invoke("plugin:http|fetch", {
        url,
        method: own(init, "method"),
        headers: own(init, "headers"),
        body: own(init, "body"),
        responseType: own(init, "responseType"),
        timeoutMs: own(init, "timeoutMs"),
      }),
  });
  const label = config.window;
  const currentWindow = objectFreeze({
    label,
    setTitle: (value: unknown) => invoke("plugin:window|set_title", { label, value }),
    close: () => invoke("plugin:window|close", { label }),
  });
  const app = objectFreeze({
    getName: () => invoke("plugin:app|name"),
    getVersion: () => invoke("plugin:app|version"),
    getIdentifier: () => invoke("plugin:app|identifier"),
  });
  const events = objectFreeze({ listen, once, emit });
  defineGlobal(
    target,
    "airlock",
    objectFreeze({ invoke, listen, once, emit, fs, http, window: currentWindow, app }),
  );
  defineGlobal(
    target,
    "__TAURI__",
    objectFreeze({ core: objectFreeze({ invoke, transformCallback }), event: events }),
  );
  defineGlobal(
    target,
    "__TAURI_INTERNALS__",
    objectFreeze({
      invoke,
      transformCallback,
      unregisterCallback,
      convertFileSrc: (path: unknown, protocol: unknown = "asset") =>
        `${SafeString(protocol)}://localhost/${encodeUriComponent(SafeString(path))}`,
      // What @tauri-apps/api/path reads for sep() and delimiter().
      plugins: objectFreeze({ path: objectFreeze({ sep: "/", delimiter: ":" }) }),
      metadata: objectFreeze({
        currentWindow: objectFreeze({ label }),
        currentWebview: objectFreeze({ windowLabel: label, label }),
      }),
    }),
  );
  defineGlobal(
    target,
    "__TAURI_EVENT_PLUGIN_INTERNALS__",
    objectFreeze({ unregisterListener: (_event: unknown, eventId: number) => unregisterCallback(eventId) }),
  );
}

function rejected(message: string): Promise<never> {
  return promiseOf((_, reject) => reject(new SafeTypeError(message)));
}
