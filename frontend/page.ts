// The page's side of the bridge, in the page's own world: `invoke`, callbacks for events and channels.
// It holds no key and talks to nobody but the relay, over the private line of link.ts; the relay does
// the rest (isolation frame, core, re-keys, timeouts). Page scripts share this realm, so this module
// keeps the primordials rule strictly (see protocol/primordials.ts): besides no global and no method
// call, no `await`/`.then` (both look up `then`/`constructor` on promises), no spread or for-of
// (iterators), no writes to arrays (a setter on Array.prototype would see them). Honest code's promises
// are settled from a microtask, never inside the line's event: no page code ever runs while the private
// node is `window.event`.
import {
  apply,
  defineProperty,
  getPrototypeOf,
  hasOwn,
  isArray,
  isView,
  objectFreeze,
  objectKeys,
  ObjectPrototype,
  own,
  ownValue,
  promiseCatch,
  promiseFinally,
  promiseThenMethod,
  put,
  randomHex,
  randomId,
  record,
  SafePromise,
  SafeString,
  SafeTypeError,
  symbolSpecies,
} from "../protocol/primordials.ts";
import { isIntrinsicPrototype } from "../protocol/intrinsics.ts";
import { microtask } from "./dom.ts";
import { pageEnd } from "./link.ts";

type Settle = (ok: boolean, value: unknown) => void;
type Callback = { fn: (value: unknown) => void; once: boolean };

export interface PageBridge {
  /** Tauri's invoke: a promise of the command's answer. */
  invoke(cmd: unknown, args?: unknown, options?: unknown): Promise<unknown>;
  /** The same with a callback, for the bridge's own calls: no promise chain a page could hook into. */
  call(cmd: string, args: unknown, done: Settle, options?: unknown): void;
  transformCallback(fn: unknown, once?: unknown): number;
  unregisterCallback(id: number): void;
}

export function createPageBridge(): PageBridge {
  const pending = record<{ nonce: string; done: Settle }>();
  const callbacks = record<Callback>();
  let nextId = 1;
  let closedReason: string | null = null;
  // What the relay sent, handled in a microtask: see the header.
  const inbox = record<unknown>();
  let inboxHead = 0;
  let inboxTail = 0;

  let draining = false;
  const send = pageEnd((detail) => {
    if (!draining) {
      microtask(drain);
      draining = true;
    }
    inbox[inboxTail++] = detail;
  });

  function drain() {
    draining = false;
    while (inboxHead < inboxTail) {
      const detail = inbox[inboxHead];
      delete inbox[inboxHead++];
      try {
        receive(detail);
      } catch (error) {
        // Reported like any uncaught error; the answers and events behind it are still delivered.
        microtask(() => {
          throw error;
        });
      }
    }
  }

  function receive(detail: unknown) {
    const type = own(detail, "t");
    if (type === "answer") return answered(detail);
    if (type === "event") return delivered(detail);
    // From now on new calls are refused; those in flight are settled one by one by the relay (rejected
    // if they did not run, answered if they reached the core).
    if (type === "closed") closedReason = SafeString(own(detail, "reason"));
  }

  function answered(detail: unknown) {
    const id = own(detail, "id");
    if (typeof id !== "string") return;
    const call = pending[id];
    // The line is private; the nonce (which travelled sealed and came back from the core) checks it too.
    if (!call || own(detail, "nonce") !== call.nonce) return;
    delete pending[id];
    const done = call.done;
    if (own(detail, "ok") === true) done(true, own(detail, "value"));
    else done(false, own(detail, "error"));
  }

  function delivered(detail: unknown) {
    if (own(detail, "kind") === "channel") return runCallback(own(detail, "channel"), own(detail, "message"));
    const ids = own(detail, "handlers");
    if (own(detail, "kind") !== "event" || !isArray(ids)) return;
    const event = own(detail, "event");
    const payload = own(detail, "payload");
    for (let i = 0; i < ids.length; i++) {
      const id = own(ids, SafeString(i));
      runCallback(id, { event, id, payload });
    }
  }

  function runCallback(id: unknown, value: unknown) {
    if (typeof id !== "number") return;
    const callback = callbacks[id];
    if (!callback) return;
    if (callback.once) delete callbacks[id];
    const fn = callback.fn;
    try {
      fn(value);
    } catch (error) {
      // Reported like any uncaught error, without stopping the other callbacks.
      microtask(() => {
        throw error;
      });
    }
  }

  function call(cmd: string, args: unknown, done: Settle, options: unknown = null) {
    if (closedReason !== null) return done(false, closedReason);
    let payload: unknown;
    try {
      payload = toIpc(args, 0);
    } catch (error) {
      return done(false, `invoke ${cmd}: the arguments cannot be sent (${describe(error)})`);
    }
    const id = SafeString(nextId++);
    const nonce = randomHex(16);
    // Tauri's message shape, so isolation apps written for Tauri see what they expect. The relay takes a
    // structured clone of it during the dispatch: a later change by the caller reaches nobody.
    const message = { cmd, callback: nextId - 1, error: nextId - 1, payload, options: options ?? null };
    pending[id] = { nonce, done };
    if (send({ t: "call", id, nonce, message })) return;
    delete pending[id];
    done(
      false,
      `invoke ${cmd}: the call could not be handed to the bridge (its arguments hold a value that cannot ` +
        `be cloned — a function, a symbol, a DOM node — or the page's stack was nearly used up)`,
    );
  }

  function invoke(cmd: unknown, args: unknown = {}, options: unknown = null): Promise<unknown> {
    return promiseOf((resolve, reject) => {
      if (typeof cmd !== "string" || cmd === "" || cmd.length > 256) {
        return reject(new SafeTypeError("invoke: the command name must be a non-empty string (≤ 256 chars)"));
      }
      if (args === null || (typeof args !== "object" && !isView(args))) {
        return reject(new SafeTypeError(`invoke ${cmd}: args must be an object, an array or bytes`));
      }
      // As Tauri does: a refusal or a command's error rejects with its message, a string.
      call(cmd, args, (ok, value) => ok ? resolve(value) : reject(SafeString(value)), options);
    });
  }

  function transformCallback(fn: unknown, once: unknown = false): number {
    if (typeof fn !== "function") {
      throw new SafeTypeError("transformCallback: the callback must be a function");
    }
    // Random, not counted: the core routes events and channel messages by these ids, so a page script
    // that could guess an honest listener's id could feed it, or unlisten it, by name.
    let id = randomId();
    while (callbacks[id]) id = randomId();
    callbacks[id] = { fn: fn as (value: unknown) => void, once: once === true };
    return id;
  }

  return {
    invoke,
    call,
    transformCallback,
    unregisterCallback: (id) => void delete callbacks[id],
  };
}

/** An error's message, read without asking the error anything a page could have redefined. */
function describe(error: unknown): string {
  const message = error !== null && typeof error === "object" ? ownValue(error, "message") : error;
  return typeof message === "string" ? message : "not cloneable";
}

/**
 * Tauri's serialisation hook: an argument with a __TAURI_TO_IPC_KEY__ method (a Channel) travels as what
 * that method returns. Looked up on the value and its prototypes up to the first of the realm's own
 * (Object.prototype, Date.prototype, ArrayBuffer.prototype, …): a function a page plants on one of those
 * would otherwise run on, and replace, honest calls' arguments.
 * Objects are copied only where something changed, by definition (no setter sees the copy).
 */
function toIpc(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object" || depth > 64 || isView(value)) return value;
  const custom = serialiser(value);
  if (custom) return apply(custom, value, []);
  const keys = objectKeys(value);
  let copy: object | null = null;
  for (let i = 0; i < keys.length; i++) {
    const item = (value as Record<string, unknown>)[keys[i]];
    const next = toIpc(item, depth + 1);
    if (next === item) continue;
    if (copy === null) {
      copy = isArray(value) ? [] : {};
      for (let j = 0; j < keys.length; j++) put(copy, keys[j], (value as Record<string, unknown>)[keys[j]]);
    }
    put(copy, keys[i], next);
  }
  return copy ?? value;
}

function serialiser(value: object): ((this: unknown) => unknown) | null {
  // The value and its prototypes below this realm's Object.prototype: there the first one that has the
  // key gives the serialiser. A chain that meets another of the realm's own prototypes first (an Array,
  // a Date…), or never meets this realm's Object.prototype (an object of another frame), has none.
  let found: unknown = undefined;
  let at: object | null = value;
  for (let hops = 0; at !== null && hops < 32; hops++) {
    if (at === ObjectPrototype) {
      return typeof found === "function" ? found as (this: unknown) => unknown : null;
    }
    if (isIntrinsicPrototype(at)) return null;
    if (found === undefined && hasOwn(at, "__TAURI_TO_IPC_KEY__")) {
      found = ownValue(at, "__TAURI_TO_IPC_KEY__") ?? null;
    }
    at = getPrototypeOf(at);
  }
  return null;
}

/**
 * A promise for honest code that a page script cannot reach into later: its own `then`, `catch`,
 * `finally` and `constructor` are the originals (so neither `await` nor `.then()` goes through a
 * replaced Promise.prototype), and what it resolves with is never asked for a `then` a page planted on
 * a prototype (that would let it choose the value honest code gets).
 */
export function promiseOf<T>(
  executor: (resolve: (value: T) => void, reject: (error: unknown) => void) => void,
): Promise<T> {
  let settle: { resolve: (value: T) => void; reject: (error: unknown) => void } | null = null;
  const promise = new SafePromise<T>((resolve, reject) => void (settle = { resolve, reject }));
  const fixed = (name: string, value: unknown) =>
    defineProperty(
      promise,
      name,
      { __proto__: null, value, writable: false, configurable: false } as PropertyDescriptor,
    );
  fixed("then", promiseThenMethod);
  fixed("catch", promiseCatch);
  fixed("finally", promiseFinally);
  // Not Promise itself: `.then()` asks the constructor for Symbol.species, which a page can redefine on
  // Promise. This one answers with the real Promise, and nobody can change it.
  fixed("constructor", SPECIES);
  // The executor (which sends the call) runs last: should anything above fail — a page script may have
  // used up most of the stack — nothing has been sent whose answer nobody could receive.
  const { resolve, reject } = settle!;
  try {
    executor((value) => resolve(inert(value) as T), reject);
  } catch (error) {
    reject(error);
  }
  return promise;
}

/** `value` with an own, non-enumerable `then` of undefined (unless it has a `then` of its own), so that
 * resolving with it asks no prototype for one. Always, without looking first: a look up the prototype
 * chain can reach a Proxy a page put there. Answers are the bridge's own clones and functions: never
 * frozen. */
function inert(value: unknown): unknown {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return value;
  if (!hasOwn(value as object, "then")) {
    defineProperty(
      value,
      "then",
      { __proto__: null, value: undefined, enumerable: false } as PropertyDescriptor,
    );
  }
  return value;
}

const SPECIES = objectFreeze({ __proto__: null, [symbolSpecies]: SafePromise });

/** Defines a global the page cannot change or delete. */
export function defineGlobal(target: object, name: string, value: unknown): void {
  defineProperty(
    target,
    name,
    { __proto__: null, value, enumerable: true, configurable: false, writable: false } as PropertyDescriptor,
  );
}
