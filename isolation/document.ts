// The isolation iframe's document for one session: the built isolation app with the runtime (and so the
// session key) put in front of its scripts, and the headers that keep it to its one job.
import { cspHash, insertScriptFirst, isolationCsp, type IsolationDocument } from "../build/isolation.ts";
import { APP_ORIGIN, type RuntimeConfig } from "../protocol/messages.ts";
import { runtimeScript } from "../frontend/bridge.ts";

export interface SessionDocument {
  html: string;
  headers: Record<string, string>;
}

export async function sessionDocument(
  built: IsolationDocument,
  session: RuntimeConfig,
): Promise<SessionDocument> {
  const runtime = runtimeScript(session);
  const hashes = [await cspHash(runtime), ...built.scriptHashes];
  return {
    html: insertScriptFirst(built.html, runtime),
    headers: {
      // Exactly these scripts and styles, nothing fetched, nothing framed inside it.
      "Content-Security-Policy": `${isolationCsp(hashes, built.styleHashes)}; ` +
        // Sandboxed whatever the page does to the <iframe> attributes (allow-same-origin keeps its own
        // isolation://<host> origin, by which the relay knows it), and framed only by the app's pages.
        `sandbox allow-scripts allow-same-origin; frame-ancestors ${session.appOrigin}`,
      "X-Content-Type-Options": "nosniff",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
      // Deliberately no Access-Control-Allow-Origin: with it, the main frame could read the key.
    },
  };
}

// The isolation frame's first document (ISOLATION_BLANK_URL): cross-origin to the page, so no page script
// can sit in it. It says "here" to the relay, and follows the relay's one "go" to the keyed document —
// the only place the one-time ticket's URL ever is in the page's process besides the relay's own world.
const BLANK_SCRIPT = `"use strict";(() => {
  const parent = window.parent, app = ${JSON.stringify(APP_ORIGIN)};
  if (parent === window || parent !== window.top) return;
  addEventListener("message", (event) => {
    const data = event.data;
    if (event.source !== parent || event.origin !== app || !data || data.airlock !== "go") return;
    if (typeof data.url === "string" && data.url.startsWith("isolation://")) location.replace(data.url);
  });
  parent.postMessage({ airlock: "blank" }, app);
})();`;
let blank: Promise<SessionDocument> | undefined;

export function blankDocument(): Promise<SessionDocument> {
  return blank ??= cspHash(BLANK_SCRIPT).then((hash) => ({
    html: `<!doctype html><title></title><script>${BLANK_SCRIPT}</script>`,
    headers: {
      "Content-Security-Policy": `default-src 'none'; script-src ${hash}; ` +
        `sandbox allow-scripts allow-same-origin; frame-ancestors ${APP_ORIGIN}`,
      "X-Content-Type-Options": "nosniff",
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
    },
  }));
}
