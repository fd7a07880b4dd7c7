// Where a window's frames may go. The app stays in its window: the top frame (and its subframes) move only
// within the app's own origin (and the dev server's in dev); the isolation frame and blank documents are
// Airlock's (data: is refused too: a frame's navigation does not say whether it is the top one). Anything else — a link to a web site, mailto:, a script setting location — does not replace
// the app: the host may hand it to the system's opener, if the window's capabilities allow that, or drop
// it with an audit line. A new window (target=_blank, window.open) is never WebKit's to open.
import { APP_ORIGIN } from "../protocol/messages.ts";

export type NavigationVerdict =
  /** The frame goes there. */
  | { kind: "allow" }
  /** An app page asked for in a new window: the host may open an app window for it. */
  | { kind: "app-window"; path: string }
  /** Somewhere outside the app: refused here; the host may open it with the system's opener. */
  | { kind: "external"; url: string }
  | { kind: "refuse"; reason: string };

/** Schemes the opener may be asked to open (Tauri's opener default: web links, mail, phone). */
const EXTERNAL = new Set(["http:", "https:", "mailto:", "tel:"]);

/** What to do with a frame's request to go to `uri`. */
export function navigationVerdict(
  uri: string,
  request: { newWindow: boolean; devOrigin?: string | null },
): NavigationVerdict {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { kind: "refuse", reason: "not a URL" };
  }
  const ownOrigin = url.protocol === "app:" ? `app://${url.host}` === APP_ORIGIN : false;
  const devOrigin = request.devOrigin ? url.origin === new URL(request.devOrigin).origin : false;
  if (ownOrigin || devOrigin) {
    return request.newWindow
      ? { kind: "app-window", path: `${url.pathname}${url.search}${url.hash}` }
      : { kind: "allow" };
  }
  if (!request.newWindow) {
    // The isolation frame, blank and srcdoc frames, and documents made by the app's own code.
    if (url.protocol === "isolation:" || uri === "about:blank" || uri === "about:srcdoc") {
      return { kind: "allow" };
    }
    if (url.protocol === "blob:" && url.pathname.startsWith(`${APP_ORIGIN}/`)) return { kind: "allow" };
  }
  if (EXTERNAL.has(url.protocol)) return { kind: "external", url: url.href };
  return { kind: "refuse", reason: `${url.protocol} is not a scheme a window may go to` };
}

/** What the audit line may say of a URL: its origin (or scheme), never a path or query that may carry a
 * secret. */
export function auditableUrl(uri: string): string {
  try {
    const url = new URL(uri);
    return url.origin !== "null" ? url.origin : url.protocol;
  } catch {
    return "(not a URL)";
  }
}
