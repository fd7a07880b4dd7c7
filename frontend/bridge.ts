// The two scripts injected into the app's top frame at document start, before any page script.
//
// relay (script world "airlock"): the only code that can reach the core's message handler. It creates the
//   sandboxed isolation iframe, passes the iframe's sealed messages to the core, and hands the core's
//   answers back to the page. Page scripts share the DOM with it but none of its variables.
// ipc (the page's own world): `invoke(cmd, args)` for the app, queued until the iframe is ready, sent to
//   the iframe, settled by the core's answer, the iframe's refusal, or a timeout: never left hanging.
//
// Both are shipped as source text, so each function is self-contained.

export const BRIDGE_WORLD = "airlock";
export const CORE_HANDLER = "airlockCore";

export interface BridgeConfig {
  appOrigin: string;
  /** null in the brownfield pattern (no isolation): the page's calls go to the core unsealed. */
  isolationUrl: string | null;
  hookTimeoutMs: number;
  readyTimeoutMs: number;
}

/** The browser as these scripts see it; Deno's type library has no DOM. */
interface FrameGlobals {
  location: { origin: string };
  document: {
    documentElement: { appendChild(node: unknown): void };
    createElement(tag: "iframe"): IsolationFrame;
    querySelector(selector: string): IsolationFrame | null;
  };
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  postMessage(data: unknown, targetOrigin: string): void;
  webkit: { messageHandlers: Record<string, { postMessage(text: string): Promise<string> }> };
}
interface IsolationFrame {
  contentWindow: { postMessage(data: unknown, targetOrigin: string): void } | null;
  setAttribute(name: string, value: string): void;
  style: { display: string };
  src: string;
}

function relayMain(config: BridgeConfig, handlerName: string): void {
  const page = globalThis as unknown as FrameGlobals;
  // Never open a channel to the core for a document that is not the app's own.
  if (page.location.origin !== config.appOrigin) return;
  const core = page.webkit.messageHandlers[handlerName];
  // A message the core rejected has no trusted id of its own; it answers the call it was forwarded for.
  const answer = (reply: Promise<string>, id: unknown) =>
    reply.then((text) => {
      const result = JSON.parse(text);
      page.postMessage({ airlock: "answer", ...result, id: result.id ?? id }, config.appOrigin);
    });

  if (config.isolationUrl === null) {
    // Brownfield: calls come straight from the page, unsealed; the core accepts that only in this pattern.
    page.addEventListener("message", (event) => {
      const data = event.data as { airlock?: unknown; id?: unknown; message?: unknown } | null;
      if (!event.isTrusted || event.source !== (page as unknown) || data?.airlock !== "plain") return;
      answer(core.postMessage(JSON.stringify({ plain: true, id: data.id, message: data.message })), data.id);
    });
    return;
  }

  const frame = page.document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts");
  frame.setAttribute("data-airlock-isolation", "");
  frame.style.display = "none";
  frame.src = config.isolationUrl;
  page.document.documentElement.appendChild(frame);
  page.addEventListener("message", (event) => {
    // Sealed messages are taken from the real iframe only; a page can neither forge its source nor its
    // isTrusted flag, and whatever it might post lacks the key anyway.
    if (!event.isTrusted || event.source !== (frame.contentWindow as unknown) || event.origin !== "null") {
      return;
    }
    const data = event.data as { airlock?: unknown; id?: unknown; envelope?: unknown } | null;
    if (data?.airlock !== "sealed" || typeof data.envelope !== "string") return;
    answer(core.postMessage(data.envelope), data.id);
  });
}

type Pending = {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  message: unknown;
  timer: ReturnType<typeof setTimeout> | undefined;
};

function ipcMain(config: BridgeConfig): void {
  const page = globalThis as unknown as FrameGlobals & Record<string, unknown>;
  const appOrigin = config.appOrigin;
  if (page.location.origin !== appOrigin) return;
  const isolated = config.isolationUrl !== null;
  const pending = new Map<number, Pending>();
  const queue: number[] = [];
  let nextId = 1;
  let ready = !isolated;
  let frame: IsolationFrame | null = null;
  const isolationFrame = () => frame ??= page.document.querySelector("iframe[data-airlock-isolation]");

  const settle = (id: number, outcome: { ok: boolean; value?: unknown; error?: unknown }) => {
    const call = pending.get(id);
    if (!call) return;
    pending.delete(id);
    clearTimeout(call.timer);
    if (outcome.ok) call.resolve(outcome.value);
    else call.reject(new Error(String(outcome.error)));
  };
  const expire = (id: number, ms: number, reason: string) => {
    const call = pending.get(id);
    if (!call) return;
    clearTimeout(call.timer);
    call.timer = setTimeout(() => settle(id, { ok: false, error: reason }), ms);
  };
  const send = (id: number) => {
    const call = pending.get(id)!;
    if (!isolated) {
      page.postMessage({ airlock: "plain", id, message: call.message }, appOrigin);
      return;
    }
    expire(id, config.hookTimeoutMs, `the isolation hook did not answer within ${config.hookTimeoutMs} ms`);
    // A sandboxed frame has an opaque origin, which no targetOrigin other than "*" can name.
    isolationFrame()?.contentWindow?.postMessage({ airlock: "call", id, message: call.message }, "*");
  };

  page.addEventListener("message", (event) => {
    if (!event.isTrusted) return;
    const data = event.data as { airlock?: unknown; id?: unknown; [key: string]: unknown } | null;
    if (!data || typeof data.airlock !== "string") return;
    if (data.airlock === "answer" && event.source === (page as unknown) && event.origin === appOrigin) {
      settle(data.id as number, data as { ok: boolean });
      return;
    }
    if (!isolated || event.source !== (isolationFrame()?.contentWindow as unknown)) return;
    if (data.airlock === "ready") {
      ready = true;
      for (const id of queue.splice(0)) if (pending.has(id)) send(id);
    } else if (data.airlock === "sealed") {
      // Past the hook: from here the core answers, however long the command takes.
      const call = pending.get(data.id as number);
      if (call) clearTimeout(call.timer);
    } else if (data.airlock === "refused") {
      settle(data.id as number, { ok: false, error: data.error });
    }
  });

  const invoke = (cmd: unknown, args: unknown = {}, options: unknown = null): Promise<unknown> => {
    if (typeof cmd !== "string" || cmd === "") {
      return Promise.reject(new TypeError("invoke: the command name must be a non-empty string"));
    }
    const id = nextId++;
    // Tauri's message shape, so isolation apps written for Tauri see what they expect.
    const message = { cmd, callback: id, error: id, payload: args, options };
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, message, timer: undefined });
      if (ready) return send(id);
      queue.push(id);
      expire(
        id,
        config.readyTimeoutMs,
        `the isolation frame was not ready within ${config.readyTimeoutMs} ms`,
      );
    });
  };

  const api = Object.freeze({ invoke });
  const define = (name: string, value: unknown) =>
    Object.defineProperty(page, name, { value, enumerable: true, configurable: false, writable: false });
  define("airlock", api);
  define("__TAURI__", Object.freeze({ core: api }));
}

/** The script for the privileged "airlock" world. */
export function relayScript(config: BridgeConfig): string {
  return `"use strict";(() => {\n${relayMain}\nrelayMain(${JSON.stringify(config)}, ${
    JSON.stringify(CORE_HANDLER)
  });\n})();`;
}

/** The script for the page's own world. */
export function ipcScript(config: BridgeConfig): string {
  return `"use strict";(() => {\n${ipcMain}\nipcMain(${JSON.stringify(config)});\n})();`;
}
