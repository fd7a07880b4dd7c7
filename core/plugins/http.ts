// Tauri's http plugin, command-compatible with the official @tauri-apps/plugin-http (2.x) and carrying
// Airlock's own window.airlock.http.fetch. The plugin's fetch is a sequence of calls on resources of the
// calling window, as in Tauri:
//   plugin:http|fetch { clientConfig }  → rid (the request, checked now, not yet sent)
//   plugin:http|fetch_send { rid }      → { status, statusText, url, headers: [[name, value]], rid: body }
//   plugin:http|fetch_read_body { rid } → the next chunk of the body with a 0 byte after it; [1] at its end
//   plugin:http|fetch_cancel { rid }, plugin:http|fetch_cancel_body { rid }
// Every request is checked by core/http.ts (URL rules per hop, headers, sizes, time); a window holds at
// most MAX_EXCHANGES of them, and each ends by its body's end, a cancel, the window closing or its time.
import type { PluginManifest, Scope } from "../permissions.ts";
import type { CommandContext, Commands } from "../router.ts";
import {
  checkTauriRequest,
  Exchange,
  HttpError,
  httpFetch,
  type HttpPolicy,
  type HttpRequest,
  UrlRules,
} from "../http.ts";

/** The permissions @tauri-apps/plugin-http's capabilities name (http:default, http:allow-fetch, …). */
export const HTTP_MANIFEST: PluginManifest = {
  name: "http",
  commands: ["fetch", "fetch_cancel", "fetch_send", "fetch_read_body", "fetch_cancel_body"],
  default: [
    "allow-fetch",
    "allow-fetch-cancel",
    "allow-fetch-send",
    "allow-fetch-read-body",
    "allow-fetch-cancel-body",
  ],
};

/** Requests (sent or not, body unread) one window may hold at once. */
export const MAX_EXCHANGES = 64;
/** The largest body chunk one fetch_read_body answers with. */
const CHUNK_BYTES = 256 * 1024;
const CANCELLED = "Request canceled"; // Tauri's words, which @tauri-apps/plugin-http passes on

interface Open {
  exchange: Exchange;
  state: "ready" | "sending" | "reading";
  reader?: ReadableStreamDefaultReader<Uint8Array>;
  /** Bytes read from the body so far, and a chunk's rest not yet handed out. */
  read: number;
  rest?: Uint8Array;
  /** A read under way: two reads of one body would interleave. */
  reading?: boolean;
}

export interface HttpPluginOptions {
  policy: HttpPolicy;
  /** Aborted when the window closes: its requests go with it. */
  signal: AbortSignal;
  /** The message cap: a chunk is sent well under it. */
  maxMessageBytes: number;
}

export function httpCommands(options: HttpPluginOptions): Commands {
  const { policy, signal } = options;
  const chunkBytes = Math.max(1024, Math.min(CHUNK_BYTES, Math.floor(options.maxMessageBytes / 2)));
  const open = new Map<number, Open>();
  // Random, not counted: a page script cannot guess, and so read or cancel, another's request.
  const newRid = () => {
    let rid: number;
    do rid = crypto.getRandomValues(new Uint32Array(1))[0] + 1; while (open.has(rid));
    return rid;
  };
  const ridOf = (args: unknown): number => {
    const rid = (args as { rid?: unknown } | null)?.rid;
    if (!Number.isSafeInteger(rid)) throw new HttpError("rid must be an integer");
    return rid as number;
  };
  const find = (args: unknown): { rid: number; entry: Open } => {
    const rid = ridOf(args);
    const entry = open.get(rid);
    if (!entry) throw new HttpError(`The resource id ${rid} is invalid.`);
    return { rid, entry };
  };
  const rules = (scope: Scope | null) => new UrlRules(policy.allow, scope);

  const fetchCommand = (args: unknown, context: CommandContext) => {
    const given = args as { clientConfig?: unknown } | null;
    // Airlock's own API (window.airlock.http.fetch): one call, the whole answer.
    if (given === null || typeof given !== "object" || !Object.hasOwn(given, "clientConfig")) {
      return httpFetch(args as HttpRequest, policy, signal, context.scope);
    }
    const request = checkTauriRequest(given.clientConfig, policy, rules(context.scope));
    if (open.size >= MAX_EXCHANGES) {
      throw new HttpError(
        `too many HTTP requests open in this window (${MAX_EXCHANGES}): read or cancel their bodies first`,
      );
    }
    const rid = newRid();
    const exchange = new Exchange(request, signal, () => {
      const entry = open.get(rid);
      open.delete(rid);
      entry?.reader?.cancel().catch(() => {});
    });
    open.set(rid, { exchange, state: "ready", read: 0 });
    return rid;
  };

  return {
    "plugin:http|fetch": fetchCommand,
    "plugin:http|fetch_cancel": (args) => {
      const { entry } = find(args);
      entry.exchange.cancel();
      return null;
    },
    "plugin:http|fetch_send": async (args) => {
      const { rid, entry } = find(args);
      if (entry.state !== "ready") throw new HttpError(`request ${rid} was sent already`);
      entry.state = "sending";
      let sent: { response: Response; url: URL };
      try {
        sent = await entry.exchange.send();
      } catch (error) {
        entry.exchange.end();
        throw entry.exchange.signal.aborted && (error as Error).message === "request cancelled"
          ? new HttpError(CANCELLED)
          : error;
      }
      const { response, url } = sent;
      if (!open.has(rid)) {
        // Cancelled (or out of time) as the answer came in.
        await response.body?.cancel().catch(() => {});
        throw new HttpError(CANCELLED);
      }
      entry.state = "reading";
      entry.reader = response.body?.getReader();
      if (!entry.reader) entry.exchange.end();
      // Tauri lists each value as the server sent it (Set-Cookie included: the core has no cookie jar,
      // so what the server set is the page's to read, as @tauri-apps/plugin-http 2.7 documents).
      return {
        status: response.status,
        statusText: response.statusText,
        url: url.href,
        headers: [...response.headers],
        rid,
      };
    },
    "plugin:http|fetch_read_body": async (args) => {
      const { rid, entry } = find(args);
      if (entry.state !== "reading") {
        throw new HttpError(`request ${rid} has no response yet: call fetch_send`);
      }
      if (entry.reading) throw new HttpError(`the body of request ${rid} is being read already`);
      entry.reading = true;
      try {
        let chunk = entry.rest;
        entry.rest = undefined;
        if (!chunk) {
          const next = await entry.reader!.read();
          if (next.done) {
            entry.exchange.end();
            return new Uint8Array([1]);
          }
          chunk = next.value;
          entry.read += chunk.byteLength;
          if (entry.read > policy.maxResponseBytes) {
            throw new HttpError(`response larger than ${policy.maxResponseBytes} bytes`);
          }
        }
        if (chunk.byteLength > chunkBytes) {
          entry.rest = chunk.subarray(chunkBytes);
          chunk = chunk.subarray(0, chunkBytes);
        }
        const answer = new Uint8Array(chunk.byteLength + 1);
        answer.set(chunk);
        return answer; // the last byte, 0, says "more may follow"
      } catch (error) {
        const failure = entry.exchange.failure(error);
        entry.exchange.end();
        throw failure.message === "request cancelled" ? new HttpError(CANCELLED) : failure;
      } finally {
        entry.reading = false;
      }
    },
    "plugin:http|fetch_cancel_body": (args) => {
      const { entry } = find(args);
      entry.exchange.end();
      return null;
    },
  };
}
