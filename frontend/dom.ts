// The browser's DOM as the bridge's scripts use it, taken at document start like protocol/primordials.ts
// (same rule: nothing looked up later can be redirected by a page script). Browser-only: the page world,
// the relay world and the isolation iframe import it; the core never does.
import { apply, getOwnPropertyDescriptor, getter, hasOwn, setter, uncurry } from "../protocol/primordials.ts";

/** The window and document these scripts were started in. */
export const win = globalThis as unknown as Window & typeof globalThis;
export const doc = win.document;
export const pageOrigin: string = win.location.origin;

const EventTargetPrototype = EventTarget.prototype;
export const addListener = uncurry(EventTargetPrototype.addEventListener) as (
  target: EventTarget,
  type: string,
  listener: (event: Event) => void,
  capture?: boolean,
) => void;
export const removeListener = uncurry(EventTargetPrototype.removeEventListener) as (
  target: EventTarget,
  type: string,
  listener: (event: Event) => void,
  capture?: boolean,
) => void;
export const dispatch = uncurry(EventTargetPrototype.dispatchEvent) as (
  target: EventTarget,
  event: Event,
) => boolean;
export const eventTarget = getter<EventTarget>(Event.prototype, "target");
export const stopImmediatePropagation = uncurry(Event.prototype.stopImmediatePropagation) as (
  event: Event,
) => void;
export const preventDefault = uncurry(Event.prototype.preventDefault) as (event: Event) => void;
/** isTrusted is an own, unforgeable property of each event: read through its own descriptor. */
export const isTrusted = (event: Event): boolean => {
  const descriptor = getOwnPropertyDescriptor(event, "isTrusted");
  return descriptor !== undefined && hasOwn(descriptor, "get") && apply(descriptor.get!, event, []) === true;
};

export const SafeCustomEvent = CustomEvent;
export const eventDetail = getter<unknown>(CustomEvent.prototype, "detail");
/** A CustomEvent whose init dictionary has no prototype: its members are read from it alone. */
export const customEvent = (
  type: string,
  detail: unknown,
  bubbles = false,
  cancelable = false,
): CustomEvent =>
  new SafeCustomEvent(type, { __proto__: null, detail, bubbles, cancelable } as CustomEventInit);

export const messageData = getter<unknown>(MessageEvent.prototype, "data");
export const messageOrigin = getter<string>(MessageEvent.prototype, "origin");
export const messageSource = getter<unknown>(MessageEvent.prototype, "source");

const NodePrototype = Node.prototype;
export const appendChild = uncurry(NodePrototype.appendChild) as (parent: Node, child: Node) => Node;
export const removeChild = uncurry(NodePrototype.removeChild) as (parent: Node, child: Node) => Node;
export const parentNode = getter<Node | null>(NodePrototype, "parentNode");
export const isConnected = getter<boolean>(NodePrototype, "isConnected");
export const textContent = setter(NodePrototype, "textContent");
const ElementPrototype = Element.prototype;
export const setAttribute = uncurry(ElementPrototype.setAttribute) as (
  element: Element,
  name: string,
  value: string,
) => void;
export const removeAttribute = uncurry(ElementPrototype.removeAttribute) as (
  element: Element,
  name: string,
) => void;
export const removeElement = uncurry(ElementPrototype.remove) as (element: Element) => void;
export const createElement = uncurry(Document.prototype.createElement) as (
  document: Document,
  tag: string,
) => HTMLElement;
export const documentElement = getter<HTMLElement | null>(Document.prototype, "documentElement");

const IFramePrototype = typeof HTMLIFrameElement === "function" ? HTMLIFrameElement.prototype : null;
export const contentWindow = IFramePrototype
  ? getter<Window | null>(IFramePrototype, "contentWindow")
  : () => null;

/** fetch, and reading a response as text: the relay POSTs large calls to the core with them. */
const nativeFetch = win.fetch;
export const fetchSafe = (url: string, init: RequestInit): Promise<Response> =>
  apply(nativeFetch, win, [url, init]) as Promise<Response>;
export const responseText = typeof Response === "function"
  ? uncurry(Response.prototype.text) as (response: Response) => Promise<string>
  : () => Promise.reject(new Error("no fetch here"));

/** postMessage to another window, taken from this one's own (Window operations live on the instance). */
const windowPostMessage = win.postMessage;
export const postToWindow = (target: Window, data: unknown, targetOrigin: string): void =>
  void apply(windowPostMessage, target, [data, targetOrigin]);
/** The same, handing over `transfer` (the buffers move, nothing is copied). */
export const postToWindowTransfer = (
  target: Window,
  data: unknown,
  targetOrigin: string,
  transfer: Transferable[],
): void => void apply(windowPostMessage, target, [data, targetOrigin, transfer]);

export const SafeMutationObserver = typeof MutationObserver === "function" ? MutationObserver : null;
export const observe = SafeMutationObserver
  ? uncurry(SafeMutationObserver.prototype.observe) as (
    observer: MutationObserver,
    target: Node,
    options: MutationObserverInit,
  ) => void
  : () => {};

const timers = win;
const nativeSetTimeout = win.setTimeout;
const nativeClearTimeout = win.clearTimeout;
const nativeQueueMicrotask = win.queueMicrotask;
export const later = (fn: () => void, ms: number): number =>
  apply(nativeSetTimeout, timers, [fn, ms]) as number;
export const cancel = (id: number | undefined): void => void apply(nativeClearTimeout, timers, [id]);
export const microtask = (fn: () => void): void => void apply(nativeQueueMicrotask, timers, [fn]);
