// The relay, run in the script world "airlock" of the app's top frame: the only code that can reach the
// core's message handler. It obtains a one-time ticket for the isolation document, passes the iframe's
// sealed messages to the core, hands the core's answers back to the page, and sends the core's events
// down to the iframe. Page scripts share the DOM with it but none of its variables.
// Shipped as source text (see bridge.ts): self-contained apart from the functions declared below.
import type { BridgeConfig, FrameGlobals, HTMLElementLike, IsolationFrame } from "./bridge.ts";

// Shipped beside relayMain (see relayScript).
declare function base64ToBytes(text: string): Uint8Array<ArrayBuffer>;
declare function bytesToBase64(bytes: Uint8Array): string;
declare function packMessage(message: Record<string, unknown>): Uint8Array<ArrayBuffer>;
declare function restoreBytes(value: unknown, blobs: Uint8Array[]): unknown;
declare function unpackMessage(bytes: Uint8Array, maxDepth: number): unknown;
declare function isolationFrame(page: FrameGlobals): IsolationFrame;

export function relayMain(config: BridgeConfig, handlerName: string): void {
  const page = globalThis as unknown as FrameGlobals;
  // Never open a channel to the core for a document that is not the app's own.
  if (page.location.origin !== config.appOrigin) return;
  const core = page.webkit.messageHandlers[handlerName];
  // The core's answer goes to the call it was forwarded for (a message the core could not open has no
  // trusted id of its own).
  const answer = (reply: Promise<string>, id: unknown) =>
    reply.then((text) => {
      const result = JSON.parse(text);
      if (result.blobs) {
        // Bytes in the result become Uint8Arrays again; postMessage hands them to the page as they are.
        result.value = restoreBytes(result.value, result.blobs.map(base64ToBytes));
        delete result.blobs;
      }
      page.postMessage({ ...result, airlock: "answer", id }, config.appOrigin);
    });

  const frame = config.isolationUrl === null ? null : isolationFrame(page);
  // The core calls deliverEvent (by evaluating in this world, which page scripts cannot see) to send an
  // event down: sealed, it goes to the iframe, which alone can open it and pass it on to the page.
  const deliverEvent = (event: { envelope?: string; plain?: string }) => {
    if (event.envelope !== undefined) {
      frame?.contentWindow?.postMessage({ airlock: "event", envelope: event.envelope }, "*");
    } else if (event.plain !== undefined) {
      const message = unpackMessage(base64ToBytes(event.plain), 1000) as Record<string, unknown>;
      page.postMessage({ ...message, airlock: "event" }, config.appOrigin);
    }
  };
  Object.defineProperty(globalThis, "deliverEvent", { value: deliverEvent });
  // Dev builds: an error shown over the page, built from this world (the page cannot restyle it away
  // by script, only by CSS, which is fine for a developer's own page).
  let overlay: HTMLElementLike | null = null;
  Object.defineProperty(globalThis, "showOverlay", {
    value: (message: string | null) => {
      overlay?.remove();
      overlay = null;
      if (message === null) return;
      overlay = page.document.createElement("div");
      overlay.setAttribute("data-airlock-overlay", "");
      overlay.setAttribute(
        "style",
        "position:fixed;inset:0;z-index:2147483647;margin:0;padding:24px;overflow:auto;" +
          "background:rgba(24,0,0,.92);color:#ffd7d7;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap",
      );
      overlay.textContent = `Airlock build error\n\n${message}`;
      page.document.documentElement.appendChild(overlay);
    },
  });

  if (frame === null || config.isolationUrl === null) {
    // Brownfield: calls come straight from the page, unsealed; the core accepts that only in this pattern.
    page.addEventListener("message", (event) => {
      const data = event.data as
        | { airlock?: unknown; id?: unknown; nonce?: unknown; message?: Record<string, unknown> }
        | null;
      if (!event.isTrusted || event.source !== (page as unknown) || data?.airlock !== "plain") return;
      const { cmd, payload, options } = data.message ?? {};
      let packed: string;
      try {
        packed = bytesToBase64(packMessage({ kind: "invoke", nonce: data.nonce, cmd, payload, options }));
      } catch (error) {
        const problem = `the call's arguments cannot be serialised: ${(error as Error).message}`;
        page.postMessage({ airlock: "answer", id: data.id, ok: false, error: problem }, config.appOrigin);
        return;
      }
      answer(core.postMessage(JSON.stringify({ plain: packed })), data.id);
    });
    return;
  }

  const isolationUrl = config.isolationUrl;
  // The document (and with it a session key) is served once per ticket, so neither a fetch, an <img>
  // nor a second iframe of the page can replace the session. Any load of the frame we did not start (a
  // reload, or the page navigating it elsewhere) gets a fresh ticket, so a fresh key and handshake. A load
  // we did start must be followed by the document saying it is alive for that ticket (its first act);
  // otherwise our navigation was cut short by another, and the frame gets a fresh ticket too.
  let ticket: string | null = null;
  let aliveFor: string | null = null;
  let expectingLoad = false;
  const navigate = () =>
    core.postMessage(JSON.stringify({ control: "ticket" })).then((text) => {
      ticket = JSON.parse(text).ticket;
      expectingLoad = true;
      frame.src = `${isolationUrl}?ticket=${ticket}`;
    });
  frame.addEventListener("load", () => {
    if (!expectingLoad) return void navigate();
    expectingLoad = false;
    const loaded = ticket;
    setTimeout(() => {
      if (ticket === loaded && aliveFor !== loaded && !expectingLoad) navigate();
    }, 1000);
  });
  navigate();
  // Dev: the isolation app was rebuilt; load it with a fresh ticket (so a fresh key and handshake).
  Object.defineProperty(globalThis, "reloadIsolation", { value: () => void navigate() });

  page.addEventListener("message", (event) => {
    // Sealed messages are taken from the real iframe only; a page can neither forge its source nor its
    // isTrusted flag, and whatever it might post lacks the key anyway.
    if (!event.isTrusted || event.source !== (frame.contentWindow as unknown) || event.origin !== "null") {
      return;
    }
    const data = event.data as
      | { airlock?: unknown; id?: unknown; envelope?: unknown; ticket?: unknown }
      | null;
    if (data?.airlock === "alive" && typeof data.ticket === "string") aliveFor = data.ticket;
    if (data?.airlock !== "sealed" || typeof data.envelope !== "string") return;
    answer(core.postMessage(data.envelope), data.id);
  });
}
