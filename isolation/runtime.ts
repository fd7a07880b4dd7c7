// The isolation runtime: the first script of the keyed isolation document, ahead of the developer's
// isolation app (bundled by build/bridge_bundle.ts into frontend/scripts.gen.ts). It holds the session
// key, runs every call the relay sends through window.__TAURI_ISOLATION_HOOK__, and seals what the hook
// returns for the core. It talks to the relay alone: the relay's messages carry this document's secret
// (page scripts can post to the frame too), and its own go to the parent, whose relay knows this
// document by its origin.
import { LARGE_CALL_BYTES, messageKind, type RuntimeConfig, type SourceSpan } from "../protocol/messages.ts";
import { packMessage, tooDeep, unpackMessage } from "../protocol/wire.ts";
import {
  base64ToBytes,
  envelopeAad,
  envelopeText,
  openEvent,
  sealEnvelope,
  sealEnvelopeBytes,
} from "../protocol/seal.ts";
import { createQuickSealer } from "./quick_seal.ts";
import {
  ArrayBufferPrototype,
  ArrayPrototype,
  arrayPush,
  CryptoKeyPrototype,
  defineProperty,
  getPrototypeOf,
  importAesKey,
  isArray,
  isView,
  jsonParse,
  objectKeys,
  ObjectPrototype,
  own,
  PromisePrototype,
  promiseResolve,
  promiseThen,
  SafeError,
  SafePromise,
  SafeString,
  SafeUint8Array,
  symbolSpecies,
  typedArrayBuffer,
  typedArrayByteLength,
  typedArrayLength,
} from "../protocol/primordials.ts";
import {
  addListener,
  cancel,
  doc,
  isTrusted,
  later,
  messageData,
  messageOrigin,
  messageSource,
  microtask,
  postToWindow,
  postToWindowTransfer,
  removeElement,
  stopImmediatePropagation,
  win,
} from "../frontend/dom.ts";

declare const AIRLOCK_CONFIG: RuntimeConfig;

const Uint8ArrayPrototype = SafeUint8Array.prototype;

type Hook = (message: unknown, context: { window: string }) => unknown;

/**
 * The isolation app runs in this realm after us, and the language looks up some properties at run time
 * on values that carry secrets: settling a promise with a value reads the value's `then` (WebCrypto
 * settles with CryptoKeys and ArrayBuffers), and `then` and `await` read a promise's `constructor` and its
 * Symbol.species. A getter the app put there would be handed the session's key object and every key stream
 * of the quick seal. Fixed own values, set before the app runs, end those lookups.
 */
function lockIntrinsics(): void {
  const fixed = (value: unknown) =>
    ({
      __proto__: null,
      value,
      writable: false,
      enumerable: false,
      configurable: false,
    }) as PropertyDescriptor;
  const thenables = [ArrayBufferPrototype, CryptoKeyPrototype];
  for (let i = 0; i < 2; i++) {
    const prototype = thenables[i];
    if (prototype !== null) {
      defineProperty(prototype, "then", fixed(undefined));
    }
  }
  defineProperty(PromisePrototype, "constructor", fixed(SafePromise));
  defineProperty(SafePromise, symbolSpecies, fixed(SafePromise));
}

function startRuntime(config: RuntimeConfig): void {
  const { sid, secret, window: windowLabel, appOrigin, maxMessageBytes, maxDepth, hookTimeoutMs } = config;
  const parent = win.parent;
  // Only as the relay's own frame, a child of the app's top window: anywhere else, stay silent.
  if (parent === win || parent !== win.top) return;
  const post = (data: unknown) => postToWindow(parent, data, appOrigin);
  lockIntrinsics();
  const sources = config.sources ?? [];
  const inspect = config.inspect === true;
  const script = doc.currentScript;
  if (script) removeElement(script); // the key and secret literals leave the DOM with this script
  const raw = base64ToBytes(config.key);
  const key = importAesKey(raw); // the import copies the bytes at once
  const quickSealer = createQuickSealer(key);
  for (let i = 0; i < typedArrayLength(raw); i++) raw[i] = 0;
  config.key = "";
  config.secret = "";
  let hook: unknown;
  let seq = 0;
  // Envelopes leave in sequence order even when encryptions finish out of order, so the core's replay
  // window sees an orderly stream however many calls are in flight.
  let posted: Promise<unknown> = promiseResolve();
  /** Envelopes in that queue: when none is, a call sealed in place leaves at once. */
  let waiting = 0;
  // Events from the core are opened one at a time, in order: each must carry a higher number than the last.
  let lastEventSeq = 0;
  let opening: Promise<unknown> = promiseResolve();

  post({ airlock: "hello" });

  // The isolation app's load errors (a throw at top level, a syntax error) go to the relay at once, with
  // the app's own file and line: calls waiting for this document fail with them instead of timing out.
  addListener(win, "error", (event) => {
    if (announced) return;
    const error = event as ErrorEvent;
    // Named by the app's file and line (the build's source table), never by this document's URL: that
    // holds the one-time ticket, and the error reaches the page.
    const where = error.lineno ? ` (${placeOf(sources, error.lineno, error.colno)})` : "";
    post({ airlock: "load-error", error: `${SafeString(error.message)}${where}` });
  });

  // Capture phase, registered before the isolation app's scripts: the relay's messages (they carry the
  // secret, nonces, the calls as sent) reach the runtime and no listener of the app.
  addListener(win, "message", (event) => {
    if (!isTrusted(event) || messageSource(event) !== parent || messageOrigin(event) !== appOrigin) return;
    const data = messageData(event);
    if (own(data, "secret") !== secret) return; // posted by a page script, not by the relay
    stopImmediatePropagation(event);
    const type = own(data, "airlock");
    if (type === "calls") {
      const list = own(data, "calls");
      if (isArray(list)) { for (let i = 0; i < list.length; i++) call(list[i]); }
      return;
    }
    if (type === "event") return deliverEvent(own(data, "envelope"));
    if (type === "ping") return post({ airlock: "pong", ping: own(data, "ping") });
  }, true);

  function deliverEvent(wire: unknown) {
    if (typeof wire !== "string") return;
    const open = () =>
      promiseThen(
        key,
        (cryptoKey) =>
          promiseThen(openEvent(cryptoKey, windowLabel, sid, lastEventSeq, wire), (opened) => {
            lastEventSeq = opened.seq;
            post({ airlock: "event", message: unpackMessage(opened.plaintext, maxDepth) });
          }),
      );
    // Not from the core (forged, replayed or stale): nothing to deliver, nothing to tell, and the next
    // event is opened all the same.
    opening = promiseThen(promiseThen(opening, open), null, () => {});
  }

  // Envelopes sealed in one turn go back to the relay in one window message (see its batches).
  let sealedBatch: { copy: string; envelope: string }[] | null = null;
  function sealedOut(copy: string, envelope: string) {
    if (sealedBatch === null) {
      const batch: { copy: string; envelope: string }[] = sealedBatch = [];
      microtask(() => {
        if (sealedBatch === batch) sealedBatch = null;
        post({ airlock: "sealed-calls", sealed: batch });
      });
    }
    arrayPush(sealedBatch, { copy, envelope });
  }

  function call(data: unknown) {
    const copy = own(data, "copy"), nonce = own(data, "nonce");
    if (typeof copy !== "string" || typeof nonce !== "string") return;
    const refuse = (error: unknown) => post({ airlock: "refused", copy, error: describe(error) });
    // A plain-JSON call comes as its JSON text (the relay's jsonText), already as the core will see it.
    const json = own(data, "json");
    let message: unknown, asJson = false;
    if (typeof json === "string") {
      try {
        message = jsonParse(json);
        asJson = true;
      } catch {
        return refuse("the call's JSON text cannot be read");
      }
    } else message = own(data, "message");
    const sealed = promiseThen(runHook(message, asJson), (out) => {
      const { cmd, payload, options } = checkHookOutput(out);
      // For dev's inspector only: the call as the hook let it through (the relay compares it with what the
      // page sent). Never sent otherwise.
      if (inspect) post({ airlock: "trace", nonce, after: { cmd, payload, options } });
      let plaintext: Uint8Array<ArrayBuffer>;
      try {
        // The nonce stays out of the hook's sight: it is the call's secret id, echoed by the core.
        const kind = messageKind(cmd);
        plaintext = packMessage({ __proto__: null, kind, nonce, cmd, payload, options });
      } catch (error) {
        throw new SafeError(`the call's arguments cannot be serialised: ${describe(error)}`);
      }
      const size = typedArrayByteLength(plaintext);
      if (size > maxMessageBytes) {
        throw new SafeError(`the call is too large (${size} bytes, limit ${maxMessageBytes})`);
      }
      // Number and queue in the same turn, so queue order is sequence order.
      const number = ++seq;
      // A large call is sealed as bytes and handed over (transferred, not copied): the relay POSTs it.
      const large = size > LARGE_CALL_BYTES;
      const toRelay = (sealed: string | Uint8Array<ArrayBuffer>) =>
        typeof sealed === "string"
          ? sealedOut(copy, sealed)
          : postToWindowTransfer(parent, { airlock: "sealed", copy, bytes: sealed }, appOrigin, [
            typedArrayBuffer(sealed),
          ]);
      const quick = large ? null : quickSealer.seal(envelopeAad(windowLabel, sid, number), plaintext);
      if (quick !== null && waiting === 0) return toRelay(envelopeText(sid, number, quick.iv, quick.sealed));
      const envelope: Promise<string | Uint8Array<ArrayBuffer>> = quick !== null
        ? promiseResolve(envelopeText(sid, number, quick.iv, quick.sealed)) as Promise<string>
        : promiseThen<CryptoKey, string | Uint8Array<ArrayBuffer>>(
          key,
          (cryptoKey) =>
            large
              ? sealEnvelopeBytes(cryptoKey, windowLabel, sid, number, plaintext)
              : sealEnvelope(cryptoKey, windowLabel, sid, number, plaintext),
        );
      waiting++;
      posted = promiseThen(
        promiseThen(posted, () => envelope),
        (sealed: string | Uint8Array<ArrayBuffer>) => {
          waiting--;
          try {
            toRelay(sealed);
          } catch (error) {
            refuse(`the sealed call could not be handed over: ${describe(error)}`);
          }
        },
        (error) => {
          waiting--;
          refuse(`sealing failed: ${describe(error)}`);
        },
      );
    });
    promiseThen(sealed, null, refuse); // the hook's refusal, or what is wrong with what it returned
  }

  /** The hook's verdict on one call, or a rejection saying why there is none. */
  function runHook(message: unknown, asJson: boolean): Promise<unknown> {
    return new SafePromise((resolve, reject) => {
      const sent = () => asJson ? message : asSent(message);
      // Tauri's "no hook": `window.__TAURI_ISOLATION_HOOK__ = null` passes every call as it is.
      if (hook === null) return resolve(sent());
      if (typeof hook !== "function") {
        return reject(new SafeError("the isolation app defines no window.__TAURI_ISOLATION_HOOK__ function"));
      }
      const timer = later(
        () => reject(new SafeError(`the isolation hook did not answer within ${hookTimeoutMs} ms`)),
        hookTimeoutMs,
      );
      const refused = (error: unknown) => {
        cancel(timer);
        reject(new SafeError(`isolation hook refused the call: ${describe(error)}`));
      };
      try {
        // The hook sees the call as the core will: JSON values and bytes.
        const verdict = (hook as Hook)(sent(), { window: windowLabel });
        promiseThen(promiseResolve(verdict), (out) => {
          cancel(timer);
          resolve(out);
        }, refused);
      } catch (error) {
        refused(error);
      }
    });
  }

  const checkHookOutput = (out: unknown): { cmd: string; payload: unknown; options: unknown } => {
    if (out === null || out === undefined) throw new SafeError("the isolation hook returned nothing");
    if (typeof out !== "object") {
      throw new SafeError(`the isolation hook returned a ${typeof out}, not a message`);
    }
    const cmd = own(out, "cmd");
    if (typeof cmd !== "string" || cmd === "") {
      throw new SafeError("the isolation hook returned a message without a command name (cmd)");
    }
    const checked = { cmd, payload: own(out, "payload") ?? null, options: own(out, "options") ?? null };
    if (tooDeep(checked, maxDepth)) throw new SafeError(`the call nests deeper than ${maxDepth} levels`);
    return checked;
  };

  /** The message as JSON and bytes, the way it will be packed: plain objects and arrays pass untouched
   * (a String or Date object that passed a structured clone would look different to the hook than to
   * the command). */
  const asSent = (message: unknown): unknown => {
    const plainOnly = (item: unknown, depth: number): boolean => {
      if (item === null || typeof item !== "object" || depth > maxDepth) return true;
      const proto = getPrototypeOf(item);
      // The core gets every view's bytes as a Uint8Array: a Float64Array or a DataView shown to the hook
      // as it is would let a call's bytes pass a hook that reads them differently.
      if (isView(item)) return proto === Uint8ArrayPrototype;
      if (proto !== ObjectPrototype && proto !== ArrayPrototype && proto !== null) return false;
      const keys = objectKeys(item);
      for (let i = 0; i < keys.length; i++) {
        if (!plainOnly((item as Record<string, unknown>)[keys[i]], depth + 1)) return false;
      }
      return true;
    };
    if (plainOnly(message, 0)) return message;
    try {
      return own(unpackMessage(packMessage({ message }), maxDepth + 1), "message");
    } catch {
      return message; // the hook sees it as it is; packing will say what is wrong with it
    }
  };

  // Ready once the key is imported, the isolation app's scripts have all run, and the hook is a function
  // or null (an app may define it late, say after its own setup): calls wait in the relay until then.
  let loaded = doc.readyState !== "loading";
  let announced = false;
  const announce = () => {
    if (announced || !loaded || (typeof hook !== "function" && hook !== null)) return;
    announced = true;
    promiseThen(
      key,
      () => post({ airlock: "ready" }),
      (error) => post({ airlock: "load-error", error: describe(error) }),
    );
  };
  defineProperty(win, "__TAURI_ISOLATION_HOOK__", {
    __proto__: null,
    get: () => hook,
    set: (value: unknown) => {
      hook = value;
      announce();
    },
  } as PropertyDescriptor);
  addListener(doc, "DOMContentLoaded", () => {
    loaded = true;
    announce();
  });
}

/** The isolation app's own file:line:column for a place in this document. */
function placeOf(sources: SourceSpan[], line: number, column: number): string {
  for (let i = 0; i < sources.length; i++) {
    const span = sources[i];
    if (line < span.line || line >= span.line + span.lines) continue;
    if (span.bundled) return `${span.name}, line ${line - span.line + 1} of its bundle`;
    const fileColumn = line === span.line ? span.sourceColumn + column - span.column : column;
    return `${span.name}:${span.sourceLine + line - span.line}:${fileColumn}`;
  }
  return `line ${line} of the isolation document`;
}

function describe(error: unknown): string {
  const message = own(error, "message");
  if (typeof message === "string") return message;
  if (error !== null && typeof error === "object") {
    const inherited = (error as { message?: unknown }).message;
    if (typeof inherited === "string") return inherited;
  }
  return SafeString(error);
}

startRuntime(AIRLOCK_CONFIG);
