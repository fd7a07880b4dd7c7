// The relay, run in the script world "airlock" of the app's top frame: the only code that can reach the
// core's message handler. It obtains a one-time ticket for the isolation document (and loads it back if
// the page puts anything else into the frame), checks the runtime's link secret and hands its port to the
// page's bridge, passes the iframe's sealed messages to the core and the core's answers to the page, sends
// the core's events down to the iframe, and keeps every message of the iframe from page scripts. Page
// scripts share the DOM with it but none of its variables.
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
  // The page's bridge, over the port it handed us at document start (see ipc.ts): for what must not pass
  // through page scripts' hands (the isolation runtime's port; brownfield events).
  let bridge: MessagePort | null = null;
  const toBridge = (data: Record<string, unknown>) => bridge?.postMessage(data);
  // A runtime's port waits here if it came before the bridge's (it should not, but order is not promised).
  let runtimePort: MessagePort | null = null;
  const offerRuntime = () => {
    if (!bridge || !runtimePort) return;
    bridge.postMessage({ airlock: "runtime" }, [runtimePort]);
    runtimePort = null;
  };
  // The core's answer goes to the page with the call's id and nonce (the core echoes the nonce it found
  // sealed; for a message it could not open, the nonce the isolation runtime handed us is used).
  const answer = (reply: Promise<string>, id: unknown, nonce: unknown) =>
    reply.then((text) => {
      const result = JSON.parse(text);
      if (result.blobs) {
        // Bytes in the result become Uint8Arrays again; the page receives them as they are.
        result.value = restoreBytes(result.value, result.blobs.map(base64ToBytes));
        delete result.blobs;
      }
      toPage({ ...result, airlock: "answer", id, nonce: result.nonce ?? nonce });
    }).catch((error) => {
      toPage({
        airlock: "answer",
        id,
        nonce,
        ok: false,
        error: `the core's answer cannot be read: ${error.message}`,
      });
    });
  const toPage = (data: Record<string, unknown>) => page.postMessage(data, config.appOrigin);
  /** To the core: "t" asks for a ticket, "s" + a sealed envelope, "p" + an unsealed (brownfield) call. */
  const forward = (kind: "s" | "p", wire: string, id: unknown, nonce: unknown) => {
    if (wire.length > config.maxWireChars) {
      toPage({
        airlock: "answer",
        id,
        nonce,
        ok: false,
        error: `the call is too large (${wire.length} characters)`,
      });
      return;
    }
    answer(core.postMessage(kind + wire), id, nonce);
  };

  const frame = config.isolationUrl === null ? null : isolationFrame(page);
  // The core calls deliverEvent (by evaluating in this world, which page scripts cannot see) to send an
  // event down: sealed, it goes to the iframe, which alone can open it and pass it on to the page.
  const deliverEvent = (event: { envelope?: string; plain?: string }) => {
    if (event.envelope !== undefined) {
      frame?.contentWindow?.postMessage({ airlock: "event", envelope: event.envelope }, "*");
    } else if (event.plain !== undefined) {
      const message = unpackMessage(base64ToBytes(event.plain), 1000) as Record<string, unknown>;
      toBridge({ ...message, airlock: "event" });
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

  // Capture phase, registered at document start right after the page bridge's: it sees each message
  // before any page script, and page scripts never see the bridge's traffic at all.
  page.addEventListener("message", (event) => {
    if (!event.isTrusted) return;
    const data = event.data as
      | { airlock?: unknown; id?: unknown; envelope?: unknown; ticket?: unknown }
      | null;
    if (event.source === (page as unknown) && data?.airlock === "relay-link") {
      event.stopImmediatePropagation();
      // The first one is the bridge's own (posted before any page script ran); later ones are not.
      if (bridge === null && event.origin === config.appOrigin && event.ports[0]) {
        bridge = event.ports[0];
        offerRuntime();
      }
      return;
    }
    if (frame === null && event.source === (page as unknown) && data?.airlock === "plain") {
      return fromPage(data as Record<string, unknown>);
    }
    if (frame === null || event.source !== (frame.contentWindow as unknown)) return;
    event.stopImmediatePropagation(); // nothing our isolation frame says is for page scripts
    const hello = data as { airlock?: unknown; secret?: unknown; ticket?: unknown } | null;
    if (hello?.airlock === "hello" && hello.secret === config.linkSecret && event.ports[0]) {
      // The isolation runtime proved itself: its port goes to the page's bridge, for calls and answers.
      if (typeof hello.ticket === "string") {
        aliveFor = hello.ticket;
        void core.postMessage(`a${hello.ticket}`); // the core may now send it events
      }
      runtimePort = event.ports[0];
      offerRuntime();
      return;
    }
    // Sealed messages are taken from the isolation frame only; whatever else might be there lacks the key.
    if (data?.airlock === "sealed" && typeof data.envelope === "string") {
      forward("s", data.envelope, data.id, (data as { nonce?: unknown }).nonce);
    }
  }, true);

  // Brownfield: the page's calls come unsealed, posted to the window; the core accepts that only in this
  // pattern (which promises no isolation: a page script may post calls, and see answers, as it likes).
  const fromPage = (data: { airlock?: unknown; id?: unknown; nonce?: unknown; message?: unknown }) => {
    const { cmd, payload, options } = (data.message ?? {}) as Record<string, unknown>;
    let packed: string;
    try {
      packed = bytesToBase64(packMessage({ kind: "invoke", nonce: data.nonce, cmd, payload, options }));
    } catch (error) {
      const problem = `the call's arguments cannot be serialised: ${(error as Error).message}`;
      toPage({ airlock: "answer", id: data.id, nonce: data.nonce, ok: false, error: problem });
      return;
    }
    forward("p", packed, data.id, data.nonce);
  };

  if (frame === null || config.isolationUrl === null) return;
  const isolationUrl = config.isolationUrl;
  // The document (and with it a session key) is served once per ticket, so neither a fetch, an <img>
  // nor a second iframe of the page can replace the session. Any load of the frame we did not start (a
  // reload, or the page navigating it elsewhere) gets a fresh ticket, so a fresh key and handshake. A load
  // we did start must be followed by the document saying hello for that ticket (its first act);
  // otherwise our navigation was cut short by another, and the frame gets a fresh ticket too.
  let ticket: string | null = null;
  let aliveFor: string | null = null;
  let expectingLoad = false;
  const navigate = () =>
    core.postMessage("t").then((text) => {
      ticket = JSON.parse(text).ticket;
      expectingLoad = true;
      // Whatever the page did to the element, the isolation document loads sandboxed and from src.
      frame.removeAttribute("srcdoc");
      frame.setAttribute("sandbox", "allow-scripts");
      frame.src = `${isolationUrl}?ticket=${ticket}`;
    });
  // On the document, in the capture phase, registered before any page script: a page cannot stop it.
  page.document.addEventListener("load", (event) => {
    if (event.target !== (frame as unknown)) return;
    if (!expectingLoad) return void navigate();
    expectingLoad = false;
    const loaded = ticket;
    setTimeout(() => {
      if (ticket === loaded && aliveFor !== loaded && !expectingLoad) navigate();
    }, 1000);
  }, true);
  navigate();
  // Dev: the isolation app was rebuilt; load it with a fresh ticket (so a fresh key and handshake).
  Object.defineProperty(globalThis, "reloadIsolation", { value: () => void navigate() });
}
