// The page's side of the bridge, run in the page's own world before any page script: `invoke(cmd, args)`,
// events and Tauri's globals. Calls are queued until the isolation iframe is ready, sent to it, and settled
// by the core's answer, the iframe's refusal, or a timeout: never left hanging. Everything it relies on is
// taken at document start, so page scripts that replace globals later cannot reach into it.
// Shipped as source text (see bridge.ts): self-contained apart from isolationFrame.
import type { BridgeConfig, FrameGlobals, IsolationFrame } from "./bridge.ts";

declare function isolationFrame(page: FrameGlobals): IsolationFrame;

type Pending = {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  nonce: string;
  message: unknown;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Which isolation runtime it was sent to (each load of the iframe is a new one); 0: not sent yet. */
  runtime: number;
};

export function ipcMain(config: BridgeConfig): void {
  const page = globalThis as unknown as FrameGlobals & Record<string, unknown>;
  const appOrigin = config.appOrigin;
  if (page.location.origin !== appOrigin) return;
  // Take everything we call later now, before page scripts run and could replace it.
  const { setTimeout, clearTimeout, Promise, Error, TypeError, Object, ArrayBuffer, String, MessageChannel } =
    globalThis;
  const isView = ArrayBuffer.isView;
  const isArray = Array.isArray;
  const keysOf = Object.keys;
  const randomValues = crypto.getRandomValues.bind(crypto);
  const postToSelf = page.postMessage.bind(page);
  // MessageEvent's getters, read through Reflect.apply: a page redefining MessageEvent.prototype.data
  // (or Function.prototype.call) later cannot reach into what the bridge receives.
  const apply = Reflect.apply;
  const getter = (name: string) => Object.getOwnPropertyDescriptor(MessageEvent.prototype, name)!.get!;
  const [dataOf, sourceOf, portsOf] = [getter("data"), getter("source"), getter("ports")];
  const clone = structuredClone;
  const isolated = config.isolationUrl !== null;
  // Created here if the relay has not yet (it talks to the frame; this script talks to its port).
  if (isolated) isolationFrame(page);
  // Null-prototype records, indexed directly: no method a page could patch is called on them later.
  const pending: Record<string, Pending | undefined> = Object.create(null);
  const queue: string[] = [];
  let queued = 0;
  let nextId = 1;
  let ready = !isolated;

  // Calls go only to the isolation runtime, over the port its document offers together with the link
  // secret, which only the relay and the documents the core serves know: the relay checks it and passes
  // the port on, over a port of its own handed over at document start (the relay's listener, registered
  // before any page script, takes it and stops the message there). Refusals, readiness and the core's
  // events come back on the runtime's port. A document the page put into the frame has no such port.
  // (MessagePorts cost ~0.2 ms a message in WebKitGTK against ~0.01 ms for window.postMessage, so the
  // rest of a call's way is window messages, each either hidden from page scripts by the relay or
  // useless to them.)
  const relayLink = new MessageChannel();
  const relay = relayLink.port1;
  postToSelf({ airlock: "relay-link" }, appOrigin, [relayLink.port2]);
  let runtime: MessagePort | null = null;
  let runtimeId = 0;

  const digits = "0123456789abcdef"; // indexing a string calls nothing a page could replace
  const hex = (bytes: Uint8Array) => {
    let out = "";
    for (let i = 0; i < bytes.length; i++) out += digits[bytes[i] >> 4] + digits[bytes[i] & 15];
    return out;
  };
  const settle = (id: string, outcome: { ok: boolean; value?: unknown; error?: unknown }) => {
    const call = pending[id];
    if (!call) return;
    delete pending[id];
    clearTimeout(call.timer);
    if (outcome.ok) call.resolve(outcome.value);
    else call.reject(new Error(String(outcome.error)));
  };
  const expire = (id: string, ms: number, reason: string) => {
    const call = pending[id];
    if (!call) return;
    clearTimeout(call.timer);
    call.timer = setTimeout(() => settle(id, { ok: false, error: reason }), ms);
  };
  const send = (id: string) => {
    const call = pending[id];
    if (!call) return;
    const data = { id, nonce: call.nonce, message: call.message };
    if (!isolated) return postToSelf({ ...data, airlock: "plain" }, appOrigin); // brownfield: no secrets
    clearTimeout(call.timer); // the runtime times the hook from here
    call.runtime = runtimeId;
    runtime?.postMessage(data);
  };

  // Callbacks the core may call (event listeners, channels), as Tauri's transformCallback registers
  // them: the core knows only their ids, and reaches them only through the sealed downstream path.
  const callbacks: Record<number, { fn: (value: unknown) => void; once: boolean } | undefined> = Object
    .create(null);
  let nextCallback = 1;
  let lastMid = 0;
  const transformCallback = (fn: unknown, once = false): number => {
    if (typeof fn !== "function") throw new TypeError("transformCallback: the callback must be a function");
    const id = nextCallback++;
    callbacks[id] = { fn: fn as (value: unknown) => void, once: !!once };
    return id;
  };
  const unregisterCallback = (id: number) => void delete callbacks[id];
  const runCallback = (id: unknown, value: unknown) => {
    const callback = callbacks[id as number];
    if (!callback) return;
    if (callback.once) delete callbacks[id as number];
    try {
      callback.fn(value);
    } catch (error) {
      setTimeout(() => {
        throw error; // reported like any uncaught error, without stopping the other callbacks
      });
    }
  };
  /** What the core sent down (an event for some listeners, or a channel message), opened by the iframe. */
  const deliver = (
    data: {
      kind?: unknown;
      event?: unknown;
      handlers?: unknown;
      payload?: unknown;
      channel?: unknown;
      message?: unknown;
    },
  ) => {
    // Numbered by the core, which sends recent ones again to a new isolation document: each once.
    const mid = (data as { mid?: unknown }).mid;
    if (typeof mid === "number") {
      if (mid <= lastMid) return;
      lastMid = mid;
    }
    if (data.kind === "channel") return runCallback(data.channel, data.message);
    const ids = data.handlers;
    if (data.kind !== "event" || !isArray(ids)) return;
    for (let i = 0; i < ids.length; i++) {
      runCallback(ids[i], { event: data.event, id: ids[i], payload: data.payload });
    }
  };

  // The relay: each new isolation runtime's port (the relay has checked its link secret), and the core's
  // events in the brownfield pattern.
  relay.onmessage = (event) => {
    const data = apply(dataOf, event, []) as { airlock?: unknown; [key: string]: unknown };
    if (data.airlock === "event" && !isolated) return deliver(data as Record<string, unknown>);
    if (data.airlock !== "runtime") return;
    const port = (apply(portsOf, event, []) as MessagePort[])[0];
    if (!port) return;
    runtime?.close();
    runtime = port;
    const id = ++runtimeId;
    ready = false; // until this document's hook is in place
    port.onmessage = (message) => fromRuntime(apply(dataOf, message, []), id);
  };

  const fromRuntime = (data: { airlock?: unknown; id?: unknown; [key: string]: unknown }, from: number) => {
    if (from !== runtimeId) return; // a document that has since been replaced
    if (data.airlock === "event") return deliver(data as Record<string, unknown>);
    if (data.airlock === "ready") {
      ready = true;
      // Calls an earlier document took and did not answer go to this one (the core runs a call once:
      // a copy that had reached it already is answered as a duplicate, which is ignored); then the queue.
      for (const id in pending) {
        const call = pending[id];
        if (call && call.runtime > 0 && call.runtime < from) send(id);
      }
      for (let i = 0; i < queued; i++) send(queue[i]);
      queued = 0;
      return;
    }
    if (data.airlock === "refused" && typeof data.id === "string") {
      settle(data.id, { ok: false, error: data.error });
    }
  };

  // The core's answers, posted by the relay. Capture phase, registered before any page script: this is
  // the first listener to see them. An answer counts only with its call's secret nonce, which travelled
  // sealed and came back from the core (or, for a message the core refused, from the relay, which had
  // it from the isolation runtime): page scripts cannot forge one, and a nonce is spent once seen.
  page.addEventListener("message", (event) => {
    if (!event.isTrusted || apply(sourceOf, event, []) !== page) return;
    const data = apply(dataOf, event, []) as
      | {
        airlock?: unknown;
        id?: unknown;
        nonce?: unknown;
        duplicate?: unknown;
        ok?: unknown;
        value?: unknown;
      }
      | null;
    if (data?.airlock !== "answer" || typeof data.id !== "string" || data.duplicate === true) return;
    const call = pending[data.id];
    if (!call || data.nonce !== call.nonce) return;
    // A copy: page scripts receive the same message object and must not be able to change the result.
    settle(data.id, {
      ok: data.ok === true,
      value: clone(data.value),
      error: (data as { error?: unknown }).error,
    });
  }, true);

  const invoke = (cmd: unknown, args: unknown = {}, options: unknown = null): Promise<unknown> => {
    // The minimum shape, checked before the hook sees anything.
    if (typeof cmd !== "string" || cmd === "" || cmd.length > 256) {
      return Promise.reject(
        new TypeError("invoke: the command name must be a non-empty string (≤ 256 chars)"),
      );
    }
    if (args === null || (typeof args !== "object" && !isView(args))) {
      return Promise.reject(new TypeError(`invoke ${cmd}: args must be an object, an array or bytes`));
    }
    const id = String(nextId++);
    const nonce = hex(randomValues(new Uint8Array(16)));
    args = toIpc(args, 0);
    // Tauri's message shape, so isolation apps written for Tauri see what they expect.
    const message = { cmd, callback: Number(id), error: Number(id), payload: args, options };
    return new Promise((resolve, reject) => {
      pending[id] = { resolve, reject, nonce, message, timer: undefined, runtime: 0 };
      if (ready) return send(id);
      queue[queued++] = id;
      expire(
        id,
        config.readyTimeoutMs,
        `the isolation frame was not ready within ${config.readyTimeoutMs} ms`,
      );
    });
  };

  // Tauri's serialisation hook: an argument with a __TAURI_TO_IPC_KEY__ method (a Channel) travels as
  // what that method returns. Objects are copied only where something changed.
  const toIpc = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== "object" || depth > 64 || isView(value)) return value;
    const record = value as Record<string, unknown>;
    const custom = record.__TAURI_TO_IPC_KEY__;
    if (typeof custom === "function") return apply(custom, value, []);
    let copy: Record<string, unknown> | null = null;
    const keys = keysOf(record);
    for (let i = 0; i < keys.length; i++) {
      const item = record[keys[i]];
      const next = toIpc(item, depth + 1);
      if (next === item) continue;
      if (!copy) {
        copy = isArray(value) ? [] as unknown as Record<string, unknown> : {};
        for (let j = 0; j < keys.length; j++) copy[keys[j]] = record[keys[j]];
      }
      copy[keys[i]] = next;
    }
    return copy ?? value;
  };

  const unlisten = (event: unknown, id: number): Promise<void> => {
    if (!callbacks[id]) return Promise.resolve();
    unregisterCallback(id);
    return invoke("plugin:event|unlisten", { event, eventId: id }).then(() => undefined);
  };
  /** Resolves, once the core has registered it, to the function that removes the listener. */
  const listen = (event: unknown, fn: unknown): Promise<() => void> => {
    if (typeof event !== "string") {
      return Promise.reject(new TypeError("listen: the event name must be a string"));
    }
    if (typeof fn !== "function") {
      return Promise.reject(new TypeError("listen: the handler must be a function"));
    }
    const id = transformCallback(fn);
    return invoke("plugin:event|listen", { event, target: { kind: "Any" }, handler: id }).then(
      () => () => void unlisten(event, id).catch(() => {}),
      (error) => {
        unregisterCallback(id);
        throw error;
      },
    );
  };
  const once = (event: unknown, fn: unknown): Promise<() => void> => {
    if (typeof fn !== "function") {
      return Promise.reject(new TypeError("once: the handler must be a function"));
    }
    let stop: (() => void) | undefined;
    let done = false;
    return listen(event, (message: unknown) => {
      if (done) return;
      done = true;
      stop?.();
      fn(message);
    }).then((unlistenFn) => {
      stop = unlistenFn;
      if (done) unlistenFn(); // the event came before the core had confirmed the listener
      return unlistenFn;
    });
  };
  const emit = (event: unknown, payload: unknown = null): Promise<void> =>
    invoke("plugin:event|emit", { event, payload }).then(() => undefined);

  const freeze = Object.freeze;
  // The core's own APIs: plain invokes of its "plugin:…" commands, so the hook sees (and may refuse)
  // each one like any other call. baseDir names a file scope from the app's config.
  type FsOptions = { baseDir?: string; recursive?: boolean };
  const fsCall =
    (cmd: string, extra: Record<string, unknown> = {}) => (path: unknown, options: FsOptions = {}) =>
      invoke(`plugin:fs|${cmd}`, { path, baseDir: options.baseDir, ...extra, recursive: options.recursive });
  const fs = freeze({
    readTextFile: fsCall("read_text_file"),
    readFile: fsCall("read_file"),
    writeTextFile: (path: unknown, contents: unknown, options: FsOptions = {}) =>
      invoke("plugin:fs|write_text_file", { path, contents, baseDir: options.baseDir }),
    writeFile: (path: unknown, contents: unknown, options: FsOptions = {}) =>
      invoke("plugin:fs|write_file", { path, contents, baseDir: options.baseDir }),
    readDir: fsCall("read_dir"),
    mkdir: fsCall("mkdir"),
    remove: fsCall("remove"),
    stat: fsCall("stat"),
    exists: fsCall("exists"),
  });
  const http = freeze({
    fetch: (url: unknown, init: Record<string, unknown> = {}) =>
      invoke("plugin:http|fetch", {
        url,
        method: init.method,
        headers: init.headers,
        body: init.body,
        responseType: init.responseType,
        timeoutMs: init.timeoutMs,
      }),
  });
  const currentWindow = freeze({
    label: config.window,
    setTitle: (value: unknown) => invoke("plugin:window|set_title", { label: config.window, value }),
    close: () => invoke("plugin:window|close", { label: config.window }),
  });
  const app = freeze({
    getName: () => invoke("plugin:app|name"),
    getVersion: () => invoke("plugin:app|version"),
    getIdentifier: () => invoke("plugin:app|identifier"),
  });
  const api = freeze({ invoke, listen, once, emit, fs, http, window: currentWindow, app });
  const define = (name: string, value: unknown) =>
    Object.defineProperty(page, name, { value, enumerable: true, configurable: false, writable: false });
  define("airlock", api);
  define(
    "__TAURI__",
    freeze({ core: freeze({ invoke, transformCallback }), event: freeze({ listen, once, emit }) }),
  );
  // What @tauri-apps/api (v2) calls, so frontends built on it run unchanged.
  const label = config.window;
  define(
    "__TAURI_INTERNALS__",
    freeze({
      invoke,
      transformCallback,
      unregisterCallback,
      convertFileSrc: (path: string, protocol = "asset") =>
        `${protocol}://localhost/${encodeURIComponent(path)}`,
      metadata: freeze({
        currentWindow: freeze({ label }),
        currentWebview: freeze({ windowLabel: label, label }),
      }),
    }),
  );
  define(
    "__TAURI_EVENT_PLUGIN_INTERNALS__",
    freeze({ unregisterListener: (_event: string, eventId: number) => unregisterCallback(eventId) }),
  );
}
