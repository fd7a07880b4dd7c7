// The relay, in the isolated script world "airlock" of the app's top frame: the only code that can reach
// the core's message handler, and the only code the page's bridge and the isolation runtime talk to.
//   page bridge ⇄ relay: the private line of link.ts (calls up; answers, events, "closed" down);
//   relay ⇄ runtime: window messages, both ways pinned to the keyed document's own origin (and the
//                    relay's carrying that document's secret);
//   relay ⇄ core: the script message handler (WIRE prefixes) and deliverEvent(), evaluated here.
// Page scripts share the DOM with it but none of its objects. This world's capture listener on the window
// is registered at document start, before any page script's, and hides every message of the frame.
import {
  BATCH_CALL_CHARS,
  BATCH_MAX_CALLS,
  INSPECT_PATH,
  IPC_PATH,
  IPC_TOKEN_HEADER,
  messageKind,
  type RelayConfig,
  WIRE,
} from "../protocol/messages.ts";
import { base64ToBytes, bytesToBase64 } from "../protocol/seal.ts";
import { jsonText, packMessage, restoreBytes, unpackMessage } from "../protocol/wire.ts";
import {
  apply,
  arrayMap,
  arrayPush,
  arraySplice,
  dateNow,
  defineProperty,
  isArray,
  isView,
  jsonParse,
  jsonStringify,
  own,
  promiseResolve,
  promiseThen,
  randomHex,
  record,
  SafePromise,
  SafeString,
  typedArrayByteLength,
} from "../protocol/primordials.ts";
import {
  addListener,
  appendChild,
  contentWindow,
  createElement,
  doc,
  documentElement,
  fetchSafe,
  isTrusted,
  messageData,
  messageOrigin,
  messageSource,
  microtask,
  postToWindow,
  removeElement,
  responseText,
  setAttribute,
  stopImmediatePropagation,
  textContent,
  win,
} from "./dom.ts";
import { relayEnd } from "./link.ts";
import { type Calls, createCalls, objectOrUnreadable, parseAnswer } from "./relay_calls.ts";
import { createIsolationFrame, type IsolationFrame } from "./relay_frame.ts";

type CoreHandler = { postMessage(text: string): Promise<string> };

export function startRelay(config: RelayConfig): void {
  const handler = (win as unknown as { webkit: { messageHandlers: Record<string, CoreHandler> } }).webkit
    .messageHandlers[config.coreHandler];
  const corePost = handler.postMessage;
  const toCore = (text: string): Promise<string> => apply(corePost, handler, [text]) as Promise<string>;

  let lastMid = 0;
  let closed: string | null = null;
  // What the page's bridge sends is taken into this inbox during its dispatch, and handled from a fresh
  // stack: nothing a page script did to the stack it called from can cut the handling short.
  const inbox: unknown[] = [];
  let draining = false;
  const take = (detail: unknown) => {
    // The drain is queued before anything is recorded: if queuing fails (no stack left), nothing was
    // taken, the line's event stays uncancelled, and the page's bridge rejects the call at once.
    if (!draining) {
      microtask(drain);
      draining = true;
    }
    arrayPush(inbox, detail);
    return () => void arraySplice(inbox, inbox.length - 1, 1);
  };
  const drain = () => {
    draining = false;
    const taken = arraySplice(inbox, 0);
    for (let i = 0; i < taken.length; i++) {
      try {
        fromPage(taken[i]);
      } catch {
        // One malformed message must not strand the ones behind it (the page's bridge sends none).
      }
    }
  };
  const toPage = relayEnd(take);
  /** Calls the core asked this world to make (a link the user followed out of the app): their answers
   * are nobody's page's. */
  const fromCore = record<true>();
  const settle = (id: string, nonce: string, ok: boolean, value: unknown) => {
    if (inspecting) inspectSettled(nonce, ok, value);
    if (fromCore[id]) return void delete fromCore[id];
    toPage(
      ok ? { t: "answer", id, nonce, ok, value } : { t: "answer", id, nonce, ok, error: SafeString(value) },
    );
  };

  // Dev's isolation inspector only (config.inspect): each call as the page sent it, as the hook let it
  // through (the runtime's trace) and how it ended, POSTed with this world's IPC token when it ends.
  const inspecting = config.inspect === true;
  const traces = record<{ before: unknown; after: unknown; started: number; hooked: number }>();
  const inspectSent = (nonce: string, message: unknown) => {
    if (inspecting) traces[nonce] = { before: message, after: null, started: dateNow(), hooked: 0 };
  };
  const inspectHooked = (nonce: unknown, after: unknown) => {
    const trace = typeof nonce === "string" ? traces[nonce] : undefined;
    if (!trace) return;
    trace.after = after;
    trace.hooked = dateNow();
  };
  const inspectSettled = (nonce: string, ok: boolean, value: unknown) => {
    const trace = traces[nonce];
    if (!trace) return;
    delete traces[nonce];
    let body: string;
    try {
      body = jsonStringify(
        {
          before: trace.before,
          after: trace.after,
          hookMs: trace.hooked ? trace.hooked - trace.started : null,
          ms: dateNow() - trace.started,
          ok,
          error: ok ? null : SafeString(value),
        },
        (_key: string, item: unknown) =>
          isView(item) ? { bytes: typedArrayByteLength(item as Uint8Array) } : item,
      );
    } catch {
      return;
    }
    promiseThen(
      fetchSafe(`${config.appOrigin}${INSPECT_PATH}`, {
        method: "POST",
        body,
        headers: { [IPC_TOKEN_HEADER]: config.ipcToken },
        cache: "no-store",
      }),
      null,
      () => {},
    );
  };

  /** A large call's byte envelope, POSTed to the core: the body is read as bytes there, not as a string
   * through the script message. A POST whose answer does not come back (a page script's window.stop())
   * is answered "stale": the call goes to the runtime again, sealed anew, and the core, which knows every
   * nonce it ran, answers a copy of one that did run with that run's answer — never a second run. */
  const post = (bytes: Uint8Array): Promise<string> =>
    promiseThen(
      fetchSafe(`${config.appOrigin}${IPC_PATH}`, {
        method: "POST",
        body: bytes as Uint8Array<ArrayBuffer>,
        headers: { [IPC_TOKEN_HEADER]: config.ipcToken },
        cache: "no-store",
      }),
      (response) => responseText(response),
      () =>
        jsonStringify({ ok: false, stale: true, lost: true, error: "the call's answer did not come back" }),
    );
  // Calls that leave in one turn (many in flight) go to the core as one batch: one script message, one
  // reply, instead of one each. The core answers a batch at once; a call still running then comes back
  // as a token, whose answer is asked for on its own — so no call waits for another's.
  let outgoing: { text: string; answered: (reply: string | Record<string, unknown>) => void }[] | null = null;
  // A call sent to the core may have run there: its answer going missing must not read as a refusal.
  const NO_ANSWER = { ok: false, error: "the core's answer did not come back (the command may have run)" };
  const callToCore = (text: string): Promise<string | Record<string, unknown>> => {
    if (text.length > BATCH_CALL_CHARS) return toCore(text);
    return new SafePromise((answered) => {
      // The batch stays within the core's limit for one message (the calls' texts, quotes and commas).
      if (outgoing !== null && outgoingChars + text.length + 3 > config.maxWireChars) flush();
      if (outgoing === null) {
        outgoing = [];
        outgoingChars = 3;
        microtask(flush);
      }
      arrayPush(outgoing, { text, answered });
      outgoingChars += text.length + 3;
      if (outgoing.length === BATCH_MAX_CALLS) flush();
    });
  };
  let outgoingChars = 0;
  const flush = () => {
    const batch = outgoing;
    outgoing = null;
    if (batch === null) return;
    const alone = (item: (typeof batch)[number]) =>
      void promiseThen(toCore(item.text), item.answered, () => item.answered(NO_ANSWER));
    if (batch.length === 1) return alone(batch[0]);
    const texts: string[] = [];
    for (let i = 0; i < batch.length; i++) arrayPush(texts, batch[i].text);
    const wire = WIRE.batch + jsonStringify(texts);
    if (wire.length > config.maxWireChars) {
      for (let i = 0; i < batch.length; i++) alone(batch[i]);
      return;
    }
    promiseThen(toCore(wire), (reply) => {
      let answers: unknown = null;
      try {
        answers = jsonParse(reply);
      } catch { /* below */ }
      for (let i = 0; i < batch.length; i++) {
        const answer = isArray(answers) && answers.length === batch.length
          ? answers[i]
          : isArray(answers) || answers === null
          ? { ok: false, error: "the core's answer to a batch cannot be read (the command may have run)" }
          : answers;
        const token = own(answer, "wait");
        if (typeof token !== "string") batch[i].answered(answer as Record<string, unknown>);
        else promiseThen(toCore(WIRE.wait + token), batch[i].answered, () => batch[i].answered(NO_ANSWER));
      }
    }, () => {
      for (let i = 0; i < batch.length; i++) batch[i].answered(NO_ANSWER);
    });
  };

  /** The core's answer, bytes restored; a reply that cannot be read is an error answer. */
  const ask = (sent: string | Uint8Array): Promise<Record<string, unknown>> =>
    promiseThen(typeof sent === "string" ? callToCore(sent) : post(sent), (reply) => {
      const answer = typeof reply === "string" ? parseAnswer(reply) : objectOrUnreadable(reply);
      const blobs = own(answer, "blobs");
      if (isArray(blobs)) {
        try {
          answer.value = restoreBytes(own(answer, "value"), arrayMap(blobs as string[], base64ToBytes));
        } catch {
          return { ok: false, error: "the core's answer cannot be read" };
        }
      }
      return answer;
    }, () => ({ ok: false, error: "the core did not answer" }));
  const tooLarge = (wire: string) =>
    wire.length > config.maxWireChars ? `the call is too large (${wire.length} characters)` : null;

  let frame: IsolationFrame | null = null;
  let calls: Calls | null = null;
  let toFrame: { runtime: NonNullable<IsolationFrame["runtime"]>; target: Window; calls: unknown[] } | null =
    null;
  if (config.isolated) {
    calls = createCalls({
      settle,
      toRuntime: (copy, nonce, message) => {
        const runtime = frame?.runtime;
        const target = frame ? contentWindow(frame.element) : null;
        if (!runtime || target === null) return false;
        // As JSON text when it is plain JSON (most calls; 1 MiB of records crosses in a third of the
        // time); a call with bytes goes as it is (bytes clone fast).
        const json = jsonText(message);
        // Calls handed over in one turn go to the frame in one window message (and come back sealed in
        // one), so that they reach the core as one batch.
        if (toFrame === null || toFrame.runtime !== runtime) {
          const batch = toFrame = { runtime, target, calls: [] as unknown[] };
          microtask(() => {
            if (toFrame === batch) toFrame = null;
            // Re-keyed meanwhile: these copies were abandoned and their calls queued again.
            if (frame?.runtime !== batch.runtime) return;
            const { secret, origin } = batch.runtime;
            try {
              postToWindow(batch.target, { airlock: "calls", secret, calls: batch.calls }, origin);
            } catch {
              // One call that cannot be posted must not hold up the others: each goes alone (one that
              // still fails is rejected at its deadline, saying it did not reach the core).
              for (let i = 0; i < batch.calls.length; i++) {
                try {
                  postToWindow(batch.target, { airlock: "calls", secret, calls: [batch.calls[i]] }, origin);
                } catch { /* its deadline rejects it */ }
              }
            }
          });
        }
        arrayPush(toFrame.calls, json === null ? { copy, nonce, message } : { copy, nonce, json });
        return true;
      },
      toCore: (envelope) => {
        if (typeof envelope !== "string") return ask(envelope);
        const problem = tooLarge(envelope);
        if (problem !== null) {
          return promiseResolve({ ok: false, error: problem }) as Promise<Record<string, unknown>>;
        }
        return ask(WIRE.sealed + envelope);
      },
      readyTimeoutMs: config.readyTimeoutMs,
      hookTimeoutMs: config.hookTimeoutMs,
    });
    frame = createIsolationFrame({
      requestTicket: () => toCore(WIRE.ticket),
      lost: () => calls!.gone(),
      exhausted: (reason) => close(reason),
    });
  }

  function fromPage(detail: unknown) {
    if (own(detail, "t") !== "call") return;
    const id = own(detail, "id"), nonce = own(detail, "nonce"), message = own(detail, "message");
    if (typeof id !== "string" || typeof nonce !== "string") return;
    if (closed !== null) return settle(id, nonce, false, closed);
    inspectSent(nonce, message);
    if (calls !== null) return calls.add(id, nonce, message);
    // Brownfield: unsealed, packed here, still checked by the core like a sealed call.
    let wire: string;
    try {
      wire = bytesToBase64(packMessage({
        kind: messageKind(own(message, "cmd")),
        nonce,
        cmd: own(message, "cmd"),
        payload: own(message, "payload"),
        options: own(message, "options"),
      }));
    } catch (error) {
      return settle(
        id,
        nonce,
        false,
        `the call's arguments cannot be serialised: ${(error as Error).message}`,
      );
    }
    const problem = tooLarge(wire);
    if (problem !== null) return settle(id, nonce, false, problem);
    promiseThen(
      ask(WIRE.plain + wire),
      (answer) =>
        settle(
          id,
          nonce,
          own(answer, "ok") === true,
          own(answer, "ok") === true ? own(answer, "value") : own(answer, "error"),
        ),
    );
  }

  /** An event or channel message for the page: each number once (the core resends recent ones to a new
   * isolation document). */
  const deliverDown = (message: unknown) => {
    const mid = own(message, "mid");
    if (typeof mid !== "number" || mid <= lastMid) return;
    lastMid = mid;
    toPage({
      t: "event",
      kind: own(message, "kind"),
      event: own(message, "event"),
      handlers: own(message, "handlers"),
      payload: own(message, "payload"),
      channel: own(message, "channel"),
      message: own(message, "message"),
    });
  };

  // Capture phase, registered at document start: it sees each message before any page script, and
  // page scripts never see the frame's.
  addListener(win, "message", (event) => {
    if (frame === null || messageSource(event) !== contentWindow(frame.element)) return;
    stopImmediatePropagation(event); // nothing our isolation frame says is for page scripts
    if (!isTrusted(event)) return;
    const data = messageData(event);
    if (frame.fromFrame(messageSource(event), messageOrigin(event), data) === "runtime") fromRuntime(data);
  }, true);

  function fromRuntime(data: unknown) {
    const type = own(data, "airlock");
    if (type === "sealed") {
      // One large call's byte envelope (small ones come in "sealed-calls", as text).
      const copy = own(data, "copy"), bytes = own(data, "bytes");
      if (typeof copy === "string" && isView(bytes)) calls!.sealed(copy, bytes as Uint8Array);
    } else if (type === "sealed-calls") {
      const list = own(data, "sealed");
      if (!isArray(list)) return;
      for (let i = 0; i < list.length; i++) {
        const copy = own(list[i], "copy"), envelope = own(list[i], "envelope");
        if (typeof copy === "string" && typeof envelope === "string") calls!.sealed(copy, envelope);
      }
    } else if (type === "refused") {
      const copy = own(data, "copy");
      if (typeof copy === "string") calls!.refused(copy, SafeString(own(data, "error")));
    } else if (type === "trace") {
      inspectHooked(own(data, "nonce"), own(data, "after"));
    } else if (type === "event") {
      deliverDown(own(data, "message"));
    } else if (type === "hello") {
      frame!.hello();
      // The core may now send this document its events: those after the last one the page has.
      void toCore(WIRE.alive + jsonStringify({ ticket: frame!.runtime?.ticket, after: lastMid }));
    } else if (type === "pong") {
      frame!.pong(own(data, "ping"));
    } else if (type === "ready") {
      calls!.ready();
    } else if (type === "load-error") {
      calls!.failWaiting(`the isolation app failed to load: ${SafeString(own(data, "error"))}`);
    }
  }

  // The core calls deliverEvent (by evaluating in this world, which page scripts cannot see): sealed, an
  // event goes to the runtime, which alone can open it; unsealed (brownfield), straight to the page.
  define("deliverEvent", (event: { envelope?: string; plain?: string }) => {
    const runtime = frame?.runtime;
    if (typeof event.envelope === "string" && runtime && frame) {
      const target = contentWindow(frame.element);
      if (target !== null) {
        postToWindow(
          target,
          { airlock: "event", secret: runtime.secret, envelope: event.envelope },
          runtime.origin,
        );
      }
    } else if (typeof event.plain === "string") {
      deliverDown(unpackMessage(base64ToBytes(event.plain), 1000));
    }
  });
  // Dev: the isolation app was rebuilt; load it with a fresh ticket (so a fresh key and handshake).
  // A link out of the app that the user followed: opened as the page would open it, by an invoke of
  // plugin:opener|open_url, so the isolation hook sees it and the core checks it like any call.
  define("openExternally", (url: string) => {
    const id = `core-${randomHex(8)}`;
    fromCore[id] = true;
    fromPage({
      t: "call",
      id,
      nonce: randomHex(16),
      message: { cmd: "plugin:opener|open_url", callback: 0, error: 0, payload: { url }, options: null },
    });
  });
  define("reloadIsolation", () => frame?.rekey("the isolation app was rebuilt"));
  define("showOverlay", overlay());

  function close(reason: string) {
    if (closed !== null) return;
    closed = reason;
    frame?.stop();
    calls?.failAll(reason);
    toPage({ t: "closed", reason });
  }
  // document.open() erases this world's listeners and runs the user scripts again on the same window: a
  // page script may now sit in front of the relay's listener, so the bridge closes rather than trust it.
  define("closeBridge", close);
}

/** Defines a function in this (the relay's) world, for the core's evaluate calls. */
function define(name: string, value: unknown) {
  defineProperty(win, name, { __proto__: null, value, configurable: false } as PropertyDescriptor);
}

/** Dev builds: an error shown over the page, built from this world. */
function overlay(): (message: string | null) => void {
  let shown: HTMLElement | null = null;
  return (message) => {
    if (shown !== null) removeElement(shown);
    shown = null;
    if (message === null) return;
    const root = documentElement(doc);
    if (root === null) return;
    shown = createElement(doc, "div");
    setAttribute(shown, "data-airlock-overlay", "");
    setAttribute(
      shown,
      "style",
      "position:fixed;inset:0;z-index:2147483647;margin:0;padding:24px;overflow:auto;" +
        "background:rgba(24,0,0,.92);color:#ffd7d7;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap",
    );
    textContent(shown, `Airlock build error\n\n${message}`);
    appendChild(root, shown);
  };
}
