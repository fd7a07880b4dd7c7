// The isolation iframe's document for one session: the built isolation app with the runtime (and so the
// session key) put in front of its scripts, and the headers that keep it to its one job.
import { cspHash, insertScriptFirst, isolationCsp, type IsolationDocument } from "../build/isolation.ts";
import { type RuntimeConfig, runtimeScript } from "./runtime.ts";

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
        // Sandboxed whatever the page does to the <iframe> attributes, and framed only by the app's pages.
        `sandbox allow-scripts; frame-ancestors ${session.appOrigin}`,
      "X-Content-Type-Options": "nosniff",
      "Cross-Origin-Resource-Policy": "same-origin",
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
      // Deliberately no Access-Control-Allow-Origin: with it, the main frame could read the key.
    },
  };
}
