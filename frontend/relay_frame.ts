// The isolation iframe as the relay keeps it: made at document start, loaded with a keyed document the
// page never learns the address of, watched, and rebuilt when the page (or a framework) removes, moves or
// re-navigates it.
//
// How the keyed document is loaded without a page script seeing its one-time ticket: the frame is first
// put on ISOLATION_BLANK_URL (no secret in that URL; a document cross-origin to the page, whose only
// script says "here" to the parent and follows one "go" message), then the relay posts the ticket's URL to
// it, pinned to its origin, and the blank document navigates itself. No attribute, no performance entry,
// no page-world event and no same-origin document ever holds the URL. The keyed document lives at a host
// made for it alone: its origin is what the relay checks every message against, and all it posts to.
import { ISOLATION_BLANK_URL, isolationOrigin } from "../protocol/messages.ts";
import { jsonParse, own, promiseThen } from "../protocol/primordials.ts";
import {
  addListener,
  appendChild,
  cancel,
  contentWindow,
  createElement,
  doc,
  documentElement,
  eventTarget,
  isConnected,
  isTrusted,
  later,
  observe,
  parentNode,
  postToWindow,
  removeAttribute,
  removeElement,
  SafeMutationObserver,
  setAttribute,
} from "./dom.ts";

/** The keyed document currently in (or on its way into) the frame. */
export interface Runtime {
  origin: string;
  /** Proves the relay's messages to that document (page scripts can post to the frame too). */
  secret: string;
  ticket: string;
  /** It said hello: it is up and may be sent the core's events. */
  alive: boolean;
}

export interface FrameEvents {
  /** A ticket from the core: { ticket, host, secret }. */
  requestTicket(): Promise<string>;
  /** The runtime in the frame is gone (a new one may follow); `why` for the log. */
  lost(why: string): void;
  /** The frame was rebuilt too often: the relay gives up on this page. */
  exhausted(reason: string): void;
}

/** How often the frame is rebuilt before the relay stops fighting whoever removes it. */
const MAX_REBUILDS = 20;
/** After a load of the frame, how long its document may take to say who it is before the frame is
 * loaded again. */
const HELLO_GRACE_MS = 500;
/** How long the keyed document may take, from the relay's "go", to say hello. */
const HELLO_DEADLINE_MS = 5000;
const BLANK_ORIGIN = isolationOrigin("localhost");

export interface IsolationFrame {
  readonly element: HTMLIFrameElement;
  /** The current keyed document, or null between documents. */
  readonly runtime: Runtime | null;
  /** Loads a fresh keyed document (dev: the isolation app was rebuilt). */
  rekey(why: string): void;
  /** Sorts a window message: not from the frame ("foreign"), the blank document's (handled here), or
   * the current runtime's ("runtime"); anything else from the frame is "handled" (dropped). */
  fromFrame(source: unknown, origin: string, data: unknown): "foreign" | "handled" | "runtime";
  /** The runtime's hello arrived. */
  hello(): void;
  /** The runtime answered a ping (see loaded()). */
  pong(ping: unknown): void;
  stop(): void;
}

export function createIsolationFrame(events: FrameEvents): IsolationFrame {
  let element = makeFrame();
  let runtime: Runtime | null = null;
  // "blank": the blank document is on its way (it says so when it is there); "runtime": the keyed
  // document is, or is on its way (`runtime.alive` once it said hello).
  let state: "blank" | "runtime" = "blank";
  let generation = 0;
  let timer: number | undefined;
  let helloTimer: number | undefined;
  let rebuilds = 0;
  let stopped = false;
  let pings = 0;
  let answered = 0;

  function makeFrame(): HTMLIFrameElement {
    const frame = createElement(doc, "iframe") as HTMLIFrameElement;
    // allow-same-origin keeps each document's own origin (isolation://…, never the page's): the relay and
    // the runtime authenticate each other by it.
    setAttribute(frame, "sandbox", "allow-scripts allow-same-origin");
    setAttribute(frame, "data-airlock-isolation", "");
    setAttribute(frame, "style", "display:none");
    setAttribute(frame, "src", ISOLATION_BLANK_URL);
    const root = documentElement(doc);
    if (root !== null) appendChild(root, frame);
    return frame;
  }

  /** Something loaded in the frame. Which document it was cannot be read (it is cross-origin), so the
   * frame is asked: the keyed document answers a ping pinned to its origin; anything else cannot. */
  function loaded() {
    if (stopped) return;
    cancel(timer);
    const waitingFor = generation;
    if (state === "blank") {
      // The blank document's word may still be on its way; without it, the frame is loaded again.
      timer = later(
        () => generation === waitingFor && !stopped && state === "blank" && toBlank(),
        HELLO_GRACE_MS,
      );
      return;
    }
    // Not up yet: the blank document's own (late) load, or the keyed one's hello is yet to come (the
    // deadline set with "go" covers a document that never says it).
    if (runtime === null || !runtime.alive) return;
    const ping = ++pings;
    const target = contentWindow(element);
    if (runtime !== null && target !== null) {
      postToWindow(target, { airlock: "ping", secret: runtime.secret, ping }, runtime.origin);
    }
    timer = later(() => {
      if (generation === waitingFor && !stopped && answered < ping) {
        rekey("the isolation frame was navigated");
      }
    }, HELLO_GRACE_MS);
  }

  function lose(why: string) {
    cancel(timer);
    cancel(helloTimer);
    generation++;
    if (runtime !== null) events.lost(why);
    runtime = null;
  }

  function toBlank() {
    state = "blank";
    // Whatever the page did to the element, it goes back to how it was made; setting src navigates it
    // (the blank URL carries no secret: safe whatever is in the frame now).
    removeAttribute(element, "srcdoc");
    setAttribute(element, "sandbox", "allow-scripts allow-same-origin");
    setAttribute(element, "src", ISOLATION_BLANK_URL);
  }

  function rekey(why: string) {
    if (stopped) return;
    lose(why);
    toBlank();
  }

  /** The blank document is in the frame: ask the core for a ticket and have the blank go there. */
  function blankReady() {
    if (state !== "blank" || stopped) return;
    const asked = ++generation;
    promiseThen(events.requestTicket(), (text) => {
      if (asked !== generation || stopped || state !== "blank") return; // overtaken by another re-key
      const answer = jsonParse(text);
      const host = own(answer, "host"), ticket = own(answer, "ticket"), secret = own(answer, "secret");
      const target = contentWindow(element);
      if (typeof host !== "string" || typeof ticket !== "string" || typeof secret !== "string") return;
      if (target === null) return;
      runtime = { origin: isolationOrigin(host), secret, ticket, alive: false };
      state = "runtime";
      // Pinned to the blank document's origin: if anything else is in the frame by now, this is never
      // delivered, and the frame gets a new ticket after its next load.
      postToWindow(target, { airlock: "go", url: `${runtime.origin}/?ticket=${ticket}` }, BLANK_ORIGIN);
      const expected = runtime;
      cancel(helloTimer);
      helloTimer = later(() => {
        if (runtime === expected && !expected.alive && !stopped) {
          rekey("no hello from the isolation document");
        }
      }, HELLO_DEADLINE_MS);
    });
  }

  // The frame must stay a child of <html>: if the page removes or moves it (or replaces <html>), the
  // runtime is gone with it, and a new frame takes its place.
  let observedRoot: Node | null = null;
  const watch = () => {
    if (stopped) return;
    const root = documentElement(doc);
    if (root !== observedRoot && root !== null && observer !== null) {
      observe(observer, root, { childList: true });
      observedRoot = root;
    }
    if (isConnected(element) && parentNode(element) === root) return;
    if (++rebuilds > MAX_REBUILDS) {
      stopped = true;
      lose("the isolation frame was removed");
      return events.exhausted(`the isolation frame was removed ${MAX_REBUILDS} times`);
    }
    const old = element;
    lose("the isolation frame was removed");
    state = "blank";
    element = makeFrame();
    if (isConnected(old)) removeElement(old);
  };
  // On the document, in the capture phase, registered before any page script: the first stop of a load
  // event's path (load events skip the window), so no page listener can stop it on the way to the frame.
  addListener(doc, "load", (event) => isTrusted(event) && eventTarget(event) === element && loaded(), true);
  const observer = SafeMutationObserver ? new SafeMutationObserver(watch) : null;
  if (observer !== null) observe(observer, doc, { childList: true });
  watch();

  return {
    get element() {
      return element;
    },
    get runtime() {
      return runtime;
    },
    rekey,
    fromFrame: (source, origin, data) => {
      if (source === null || source !== contentWindow(element)) return "foreign";
      if (origin === BLANK_ORIGIN) {
        if (own(data, "airlock") === "blank") blankReady();
        return "handled";
      }
      return runtime !== null && origin === runtime.origin ? "runtime" : "handled";
    },
    hello() {
      if (runtime !== null) runtime.alive = true;
    },
    pong(ping) {
      if (typeof ping === "number" && ping > answered && ping <= pings) answered = ping;
    },
    stop() {
      stopped = true;
      lose("the bridge closed");
    },
  };
}
