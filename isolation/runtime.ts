// The isolation runtime: the first script of the sandboxed iframe document, ahead of the developer's
// isolation app. It holds the session key, runs every call from the main frame through
// window.__TAURI_ISOLATION_HOOK__, and seals what the hook returns for the core.
import { sealSource } from "./seal.ts";
import { wireSource } from "./wire.ts";

export interface RuntimeConfig {
  /** Raw AES-256 key, base64; imported non-extractable, then dropped from this script's memory. */
  key: string;
  sid: string;
  /** The (already spent) ticket this document was served for: tells the relay which load is this one. */
  ticket: string;
  /** Proves to the page's bridge that this is the isolation runtime (see BridgeConfig.linkSecret). */
  linkSecret: string;
  window: string;
  /** The only origin allowed to send calls and receive sealed messages: the app's main frame. */
  appOrigin: string;
  maxMessageBytes: number;
  maxDepth: number;
  hookTimeoutMs: number;
}

/** The iframe's view of the browser; Deno's type library has no DOM. */
interface IsolationGlobals {
  parent: { postMessage(data: unknown, targetOrigin: string, transfer?: MessagePort[]): void };
  document: {
    readyState: string;
    currentScript: { remove(): void } | null;
    addEventListener(type: string, listener: () => void, options?: { once: boolean }): void;
  };
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  __TAURI_ISOLATION_HOOK__?: (message: unknown, context: { window: string }) => unknown;
}

// Provided next to runtimeMain in the iframe document (see runtimeScript).
declare function base64ToBytes(text: string): Uint8Array<ArrayBuffer>;
declare function sealEnvelope(
  key: CryptoKey,
  window: string,
  sid: string,
  seq: number,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<string>;
declare function openEvent(
  key: CryptoKey,
  window: string,
  sid: string,
  lastSeq: number,
  wire: string,
): Promise<{ seq: number; plaintext: Uint8Array<ArrayBuffer> }>;
declare function tooDeep(value: unknown, max: number): boolean;
declare function packMessage(message: Record<string, unknown>): Uint8Array<ArrayBuffer>;
declare function unpackMessage(bytes: Uint8Array, maxDepth: number): unknown;

/** Runs inside the iframe. Self-contained: it is shipped as source text. */
function runtimeMain(config: RuntimeConfig): void {
  const page = globalThis as unknown as IsolationGlobals;
  const { parent, document } = page;
  const { sid, window: windowLabel, appOrigin, maxMessageBytes, maxDepth, hookTimeoutMs } = config;
  class HookTimeout extends Error {}
  // Sealed envelopes go to the parent window, where the relay takes them; everything meant for the page's
  // bridge goes over a private port, offered once with the link secret (the relay keeps page scripts
  // from seeing either).
  const link = new MessageChannel();
  const toPage = link.port1;
  parent.postMessage({ airlock: "hello", secret: config.linkSecret, ticket: config.ticket }, appOrigin, [
    link.port2,
  ]);
  const post = (data: unknown) => parent.postMessage(data, appOrigin);
  // The isolation app's hook, set through the accessor defined below.
  let hook: unknown;
  document.currentScript?.remove(); // the key and secret literals leave the DOM with this script
  config.linkSecret = "";
  // Encrypt for calls up to the core, decrypt for events down from it.
  const key = crypto.subtle.importKey("raw", base64ToBytes(config.key), "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  config.key = "";
  let seq = 0;
  // Envelopes leave in sequence order even when encryptions finish out of order, so the core's replay
  // window sees an orderly stream however many calls are in flight.
  let posted: Promise<unknown> = Promise.resolve();
  // Events from the core are opened one at a time, in order: each must carry a higher number than the last.
  let lastEventSeq = 0;
  let opening: Promise<unknown> = Promise.resolve();

  const deliverEvent = (wire: string) => {
    opening = opening.then(async () => {
      try {
        const opened = await openEvent(await key, windowLabel, sid, lastEventSeq, wire);
        lastEventSeq = opened.seq;
        const message = unpackMessage(opened.plaintext, maxDepth) as Record<string, unknown>;
        toPage.postMessage({ ...message, airlock: "event" });
      } catch {
        // Not from the core (forged, replayed or stale): nothing to deliver, and nothing to tell.
      }
    });
  };

  const checkHookOutput = (out: unknown): { cmd: string; payload: unknown; options: unknown } => {
    if (out === null || out === undefined) throw new Error("the isolation hook returned nothing");
    if (typeof out !== "object") {
      throw new Error(`the isolation hook returned a ${typeof out}, not a message`);
    }
    const message = out as { cmd?: unknown; payload?: unknown; options?: unknown };
    if (typeof message.cmd !== "string" || message.cmd === "") {
      throw new Error("the isolation hook returned a message without a command name (cmd)");
    }
    const checked = { cmd: message.cmd, payload: message.payload ?? null, options: message.options ?? null };
    if (tooDeep(checked, maxDepth)) throw new Error(`the call nests deeper than ${maxDepth} levels`);
    return checked;
  };

  // The core's events, relayed by the parent window (sealed: anyone may post them, only the core can make one).
  page.addEventListener("message", (event: MessageEvent) => {
    if (!event.isTrusted || event.source !== (parent as unknown) || event.origin !== appOrigin) return;
    const data = event.data as { airlock?: unknown; envelope?: unknown } | null;
    if (data?.airlock === "event" && typeof data.envelope === "string") deliverEvent(data.envelope);
  });

  // Calls, from the page's bridge only (nothing else holds the other end of this port).
  toPage.onmessage = async (event: MessageEvent) => {
    const data = event.data as { id?: unknown; nonce?: unknown; message?: unknown } | null;
    if (!data || typeof data.id !== "string" || typeof data.nonce !== "string") return;
    const { id, nonce } = data;
    try {
      if (typeof hook !== "function") {
        throw new Error("the isolation app defines no window.__TAURI_ISOLATION_HOOK__ function");
      }
      let out: unknown;
      try {
        // The hook sees the call as the core will: JSON values and bytes (a String or Date object that
        // passed a structured clone would otherwise look different to the hook than to the command).
        let timer: ReturnType<typeof setTimeout> | undefined;
        const hung = new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new HookTimeout(`the isolation hook did not answer within ${hookTimeoutMs} ms`)),
            hookTimeoutMs,
          );
        });
        try {
          out = await Promise.race([hook(asSent(data.message), { window: windowLabel }), hung]);
        } finally {
          clearTimeout(timer);
        }
      } catch (error) {
        if (error instanceof HookTimeout) throw error;
        throw new Error(`isolation hook refused the call: ${(error as Error)?.message ?? String(error)}`);
      }
      const { cmd, payload, options } = checkHookOutput(out);
      let plaintext: Uint8Array<ArrayBuffer>;
      try {
        // The nonce stays out of the hook's sight: it is the call's secret id, echoed by the core.
        const kind = cmd.startsWith("plugin:event|") ? "event" : "invoke";
        plaintext = packMessage({ kind, nonce, cmd, payload, options });
      } catch (error) {
        throw new Error(`the call's arguments cannot be serialised: ${(error as Error).message}`);
      }
      if (plaintext.byteLength > maxMessageBytes) {
        throw new Error(`the call is too large (${plaintext.byteLength} bytes, limit ${maxMessageBytes})`);
      }
      // Number and queue in the same tick, so queue order is sequence order.
      const envelope = sealEnvelope(await key, windowLabel, sid, ++seq, plaintext);
      posted = posted.then(() => envelope).then(
        // The nonce rides along for the relay (page scripts never see this message): should the core
        // refuse the envelope, the relay's refusal carries it, so the page's bridge can trust that too.
        (sealed) => post({ airlock: "sealed", id, nonce, envelope: sealed }),
        (error) =>
          toPage.postMessage({
            airlock: "refused",
            id,
            error: `sealing failed: ${(error as Error).message}`,
          }),
      );
    } catch (error) {
      toPage.postMessage({ airlock: "refused", id, error: (error as Error)?.message ?? String(error) });
    }
  };

  /** The message as JSON and bytes, the way it will be packed: plain objects and arrays pass untouched. */
  const asSent = (message: unknown): unknown => {
    const plainOnly = (item: unknown, depth: number): boolean => {
      if (item === null || typeof item !== "object" || depth > maxDepth) return true;
      if (item instanceof Uint8Array) return true;
      const proto = Object.getPrototypeOf(item);
      if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return false;
      for (const key in item) {
        if (Object.hasOwn(item, key) && !plainOnly((item as Record<string, unknown>)[key], depth + 1)) {
          return false;
        }
      }
      return true;
    };
    if (plainOnly(message, 0)) return message;
    try {
      return (unpackMessage(packMessage({ message }), maxDepth + 1) as { message: unknown }).message;
    } catch {
      return message; // the hook sees it as it is; packing will say what is wrong with it
    }
  };

  // Ready once the key is imported, the isolation app's scripts have all run, and the hook is a function
  // (an app may define it late, say after its own setup): calls wait in the main frame until then.
  let loaded = document.readyState !== "loading";
  let announced = false;
  const announce = () => {
    if (announced || !loaded || typeof hook !== "function") return;
    announced = true;
    key.then(() => toPage.postMessage({ airlock: "ready" }));
  };
  Object.defineProperty(page, "__TAURI_ISOLATION_HOOK__", {
    get: () => hook,
    set: (value) => {
      hook = value;
      announce();
    },
  });
  document.addEventListener("DOMContentLoaded", () => {
    loaded = true;
    announce();
  }, { once: true });
}

/** The runtime as the inline script text for one iframe document. */
export function runtimeScript(config: RuntimeConfig): string {
  // Escaping '<' keeps a window label from closing the inline <script> early.
  const literal = JSON.stringify(config).replaceAll("<", "\\u003c");
  return `"use strict";(() => {\n${sealSource()}\n${wireSource()}\n${runtimeMain}\nruntimeMain(${literal});\n})();`;
}
