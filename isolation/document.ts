// The isolation iframe's document for one session: the built isolation app with the runtime (and so the
// session key) put in front of its scripts, and the headers that keep it to its one job.
import { APP_ORIGIN, type RuntimeConfig, type SourceSpan } from "../protocol/messages.ts";
import { RUNTIME_SCRIPT } from "../frontend/scripts.gen.ts";

/** The isolation app could not be built (its folder, its index.html, a script or stylesheet in it). */
export class IsolationBuildError extends Error {
  override name = "IsolationBuildError";
}

export interface IsolationDocument {
  /** index.html with every script and stylesheet it loads inlined. */
  html: string;
  /** Where in html the runtime's script goes: before every other script. */
  runtimeAt: number;
  /** Where each of the app's scripts sits in html (absent in documents built before there was one). */
  sources?: SourceSpan[];
  /** Dev's isolation inspector is open: the runtime reports what the hook let through. */
  inspect?: boolean;
  /** "'sha256-…'" CSP sources of every inline script in html that runs, in document order. */
  scriptHashes: string[];
  /** "'sha256-…'" CSP sources of every <style> element in html, in document order. */
  styleHashes: string[];
  /** Absolute paths of the files read, index.html first, then each script's and stylesheet's (a bundle's
   * entry first, then the files it imports). */
  files: string[];
  /** Things that built but will not work as written (such as style attributes, which the CSP blocks). */
  warnings: string[];
  /** A few lines saying what the build did (files, sizes, hashes, time), for a command line to print. */
  report: string[];
}

export async function cspHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

/** The isolation document's CSP: exactly these scripts and styles, nothing fetched. */
export function isolationCsp(scriptHashes: string[], styleHashes: string[] = []): string {
  const sources = (hashes: string[]) => hashes.length ? hashes.join(" ") : "'none'";
  return `default-src 'none'; script-src ${sources(scriptHashes)}; style-src ${sources(styleHashes)}; ` +
    "base-uri 'none'; form-action 'none'";
}

/** `bundle` run with `config` as its AIRLOCK_CONFIG, a constant no other script can see. */
export function withConfig(bundle: string, config: unknown): string {
  // Escaping '<' keeps a string in the config from closing an inline <script> early.
  const literal = JSON.stringify(config).replaceAll("<", "\\u003c");
  return `"use strict";(() => {\nconst AIRLOCK_CONFIG = ${literal};\n${bundle}})();`;
}

let runtimeLineBreaks: number | undefined;
/** Line breaks in the runtime's script, whatever its config. */
const RUNTIME_LINE_BREAKS = () => runtimeLineBreaks ??= withConfig(RUNTIME_SCRIPT, {}).split("\n").length - 1;

/** The isolation runtime, as the first inline script of one keyed isolation document. */
export const runtimeScript = (config: RuntimeConfig): string => withConfig(RUNTIME_SCRIPT, config);

/** The runtime's config for one session of `built`: the session's, with the app's source table. */
export function sessionConfig(built: IsolationDocument, session: RuntimeConfig): RuntimeConfig {
  // The app's scripts come after the runtime's: their lines move down by its line breaks (a fixed number:
  // the config is one line of JSON).
  const shift = RUNTIME_LINE_BREAKS();
  return {
    ...session,
    sources: (built.sources ?? []).map((span) => ({ ...span, line: span.line + shift })),
    ...(built.inspect ? { inspect: true } : {}),
  };
}

export interface SessionDocument {
  html: string;
  headers: Record<string, string>;
}

export async function sessionDocument(
  built: IsolationDocument,
  session: RuntimeConfig,
): Promise<SessionDocument> {
  const runtime = runtimeScript(sessionConfig(built, session));
  const hashes = [await cspHash(runtime), ...built.scriptHashes];
  return {
    html: built.html.slice(0, built.runtimeAt) + `<script>${runtime}</script>` +
      built.html.slice(built.runtimeAt),
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
