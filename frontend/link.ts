// The private line between the page's bridge (page world) and the relay (the isolated world "airlock"):
// synchronous CustomEvents on a DOM node that is in no document. DOM nodes are shared by the two worlds,
// their JS objects are not; a node no page script can reach is a channel no page script can listen to
// or write on. The relay makes the node; the two scripts meet at document start, before any page
// script, in whichever order WebKit runs them (it varies): each listens first, then calls out.
import { own } from "../protocol/primordials.ts";
import {
  addListener,
  appendChild,
  createElement,
  customEvent,
  dispatch,
  doc,
  documentElement,
  eventDetail,
  eventTarget,
  preventDefault,
  removeChild,
  removeListener,
} from "./dom.ts";

const LINK = "airlock-link"; // relay → page, on the node, bubbling to the document once
const ASK = "airlock-link-ask"; // page → relay, on the document: "announce the node again"
const UP = "airlock-up"; // page → relay
const DOWN = "airlock-down"; // relay → page

/** The page world's end: `onDown` receives what the relay sends (a structured clone in this world).
 * The sender it returns says whether the relay took what was sent: the relay reads it during the
 * dispatch (as a structured clone) and cancels the event once it holds it, as its last act. Anything
 * that goes wrong before — a value that cannot be cloned, a stack a page script had nearly used up —
 * leaves the event uncancelled, and the caller knows the call was not taken. */
export function pageEnd(onDown: (detail: unknown) => void): (detail: unknown) => boolean {
  let node: EventTarget | null = null;
  const onLink = (event: Event) => {
    if (node !== null) return;
    node = eventTarget(event);
    removeListener(doc, LINK, onLink, true);
    addListener(node, DOWN, (down) => onDown(eventDetail(down)));
    dispatch(node, customEvent(UP, { t: "linked" }));
  };
  addListener(doc, LINK, onLink, true);
  // If the relay ran first it is waiting for this; otherwise it announces itself when it runs.
  if (node === null) dispatch(doc, customEvent(ASK, null));
  return (detail) => node !== null && !dispatch(node, customEvent(UP, detail, false, true));
}

/** The relay's end. `take` receives what the page's bridge sends and returns how to give it back (should
 * the acknowledgement fail); the first "linked" is the bridge's own. */
export function relayEnd(take: (detail: unknown) => () => void): (detail: unknown) => void {
  const node = createNode();
  let linked = false;
  addListener(node, UP, (event) => {
    const detail = eventDetail(event);
    if (detail === null) return; // it could not be cloned into this world: not taken
    if (!linked) {
      linked = own(detail, "t") === "linked";
      if (linked) removeListener(doc, ASK, announce, true);
      return;
    }
    let untake: (() => void) | null = take(detail);
    try {
      preventDefault(event);
      untake = null;
    } finally {
      if (untake !== null) untake();
    }
  });
  function announce() {
    const root = documentElement(doc);
    if (linked || root === null) return;
    appendChild(root, node);
    dispatch(node, customEvent(LINK, null, true));
    removeChild(root, node);
  }
  addListener(doc, ASK, announce, true);
  announce();
  return (detail) => void dispatch(node, customEvent(DOWN, detail));
}

// Any element does; this one never enters the document except for its synchronous announcements.
const createNode = (): Element => createElement(doc, "airlock-link");
