// The core: one app window, its two schemes, its isolation sessions, and the road from a sealed message
// to a command and back.
import type { EmbeddedApp } from "../build/embed.ts";
import { buildIsolationDocument, type IsolationDocument } from "../build/isolation.ts";
import { pageScript, relayScript } from "../frontend/bridge.ts";
import {
  BRIDGE_WORLD,
  CORE_HANDLER,
  ISOLATION_BLANK_URL,
  type RelayConfig,
  WIRE,
} from "../protocol/messages.ts";
import { type SchemeRequest, type SchemeResponse, Webview } from "../frontend/webview.ts";
import { blankDocument, type SessionDocument, sessionDocument } from "../isolation/document.ts";
import { base64ToBytes, bytesToBase64 } from "../protocol/seal.ts";
import { packMessage } from "../protocol/wire.ts";
import { embeddedAssets, readAsset } from "./assets.ts";
import { APP_ORIGIN, type AppConfig, ConfigError, loadConfig, parseConfig } from "./config.ts";
import { type Invocation, RejectedMessage, unpackMessage, validateInvocation } from "./envelope.ts";
import { BUILTIN_PREFIX, builtinCommands } from "./builtins.ts";
import { type Deliver, type EventListener, WindowEvents } from "./events.ts";
import { randomHex } from "./key.ts";
import { IsolationSession } from "./session.ts";
import { type Answer, type CommandContext, type Commands, dispatch, encodeAnswer } from "./router.ts";

export { APP_ORIGIN };
/** Commands of one window running at once; more are refused, not queued. */
export const MAX_CALLS_IN_FLIGHT = 1024;
/** Messages down to a window kept for a document that replaces the iframe mid-stream: at most this many,
 * and at most OUTBOX_BYTES of them (the newest one always). */
const OUTBOX_SIZE = 1024;
const OUTBOX_BYTES = 8 * 1024 * 1024;
/** Arguments of the calls one window has running at once, in wire characters; more are refused. */
export const MAX_PENDING_CHARS = 64 * 1024 * 1024;
/** Nonces of calls already run, remembered per window (each ~100 bytes) so a copy cannot run twice. */
const EXECUTED_SIZE = 4096;
/** Session ids of a window's replaced isolation documents: an envelope sealed for one did not run and
 * may be sent again (see frontend/relay_calls.ts). */
const RETIRED_SESSIONS = 8;
/** `import { invoke, fs } from "/__airlock/api.js"`: the same API as the window.airlock global. */
export const API_MODULE_PATH = "/__airlock/api.js";
const apiModule = (): SchemeResponse => ({
  status: 200,
  contentType: "text/javascript; charset=utf-8",
  body: new TextEncoder().encode(
    `const api = window.airlock;\nexport const { invoke, listen, once, emit, fs, http, app } = api;\n` +
      `export const currentWindow = api.window;\nexport default api;\n`,
  ),
});

export interface LaunchOptions {
  /** Path of a Tauri-shaped config file, or the parsed object (paths then relative to the cwd). */
  config?: string | Record<string, unknown>;
  /** An app built by `deno task build`: config and assets from memory, no folders read. */
  embedded?: EmbeddedApp;
  commands?: Commands;
  /** Window label, seen by commands and the isolation hook. */
  label?: string;
  /** Copy the page's console to stdout. */
  console?: boolean;
  /** Enable the web inspector (defaults to the config's airlock.devtools). */
  devtools?: boolean;
  /** Where each rejected message is reported, once; by default one JSON line on stderr. */
  audit?: (entry: AuditEntry) => void;
  /** Sees every message the relay passes to the core, as it arrives ("s" + a sealed envelope, "p" + an
   * unsealed brownfield call, "t" a ticket request, "a" a document's hello), and every sealed event the
   * core sends down ("d" + envelope): for tests and protocol debugging. */
  tap?: (wire: string) => void;
}

/** A message the core refused. Never carries argument values: they may be what an attacker wants logged. */
export interface AuditEntry {
  window: string;
  reason: string;
  cmd?: string;
}

export interface AppHandle {
  readonly config: AppConfig;
  readonly label: string;
  /** Runs JS in the app's main frame (an expression or statements, `await` allowed) and returns the
   * JSON-serialisable result. `world: "airlock"` runs it beside the bridge instead, for testing the core's
   * own defences as if the page had broken out of its world. */
  evaluate(js: string, options?: { world?: string }): Promise<unknown>;
  /** The native window's title. */
  readonly title: string;
  /** The isolation document being served (its build report included), or null in brownfield. */
  readonly isolation: IsolationDocument | null;
  /** Sends an event to this window's page: only its listeners for that event receive it. */
  emit(event: string, payload?: unknown): Promise<void>;
  /** Listens for an event the page emits; returns the function that stops listening. */
  listen(event: string, listener: EventListener): () => void;
  /** Rebuilds the isolation app from its folder and reloads only the isolation frame with it (a new
   * document, key and handshake; the page keeps its state). Throws the build error, keeping the old one. */
  rebuildIsolation(): Promise<IsolationDocument>;
  /** Shows a message over the page (dev build errors), or removes it with null. */
  showOverlay(message: string | null): Promise<void>;
  /** Reloads the page (and so its isolation frame, with a fresh key). */
  reload(): Promise<void>;
  close(): Promise<void>;
  /** Settles when the window is gone, also when the user closed it. */
  readonly closed: Promise<void>;
}

const encoder = new TextEncoder();
const text = (status: number, body: string): SchemeResponse => ({
  status,
  contentType: "text/plain; charset=utf-8",
  body: encoder.encode(body),
});

export async function launch(options: LaunchOptions): Promise<AppHandle> {
  const { embedded } = options;
  if (!embedded && options.config === undefined) {
    throw new ConfigError("launch: give a config (or an embedded app)");
  }
  const config = embedded
    ? parseConfig(embedded.config, "<embedded config>", Deno.cwd())
    : await loadConfig(options.config!);
  const commands = options.commands ?? {};
  for (const name of Object.keys(commands)) {
    if (name.startsWith(BUILTIN_PREFIX)) {
      throw new Error(
        `command name ${JSON.stringify(name)} is reserved: "${BUILTIN_PREFIX}…" names are Airlock's own`,
      );
    }
  }
  const label = options.label ?? "main";
  const isolation = config.pattern.use === "isolation";
  let built: IsolationDocument | null = config.pattern.use !== "isolation"
    ? null
    : embedded
    ? embedded.isolation
    : await buildIsolationDocument(config.pattern.dir);
  if (isolation && !built) throw new ConfigError("the embedded app has no built isolation document");
  const frontendAsset = embedded
    ? embeddedAssets(embedded.frontend)
    : (path: string) => readAsset(config.frontendDir, path);
  let session: IsolationSession | null = null;
  let sessionTicket = "";
  const retired: string[] = [];
  // A call of maxMessageBytes in base64, plus the envelope around it.
  const maxWireChars = Math.ceil(config.limits.maxMessageBytes * 4 / 3) + 1024;
  let webview: Webview | null = null;
  // Messages down to the page (events, channel messages), numbered. With isolation they are sealed for
  // the current session only once its document has said hello (before that it could not open them), and
  // the recent ones are sent again to each new document: one that replaced the frame mid-stream gets what
  // the old one may not have passed on, and the page's bridge drops any number it has seen.
  // Each packed once, with its number inside; kept by bytes as well as by count.
  const outbox: { mid: number; packed: Uint8Array<ArrayBuffer> }[] = [];
  let outboxBytes = 0;
  let nextMid = 0;
  let sessionAlive = false;
  // One at a time, sealed in order, so the iframe sees their numbers rise.
  let eventsSent: Promise<unknown> = Promise.resolve();
  type Entry = { mid: number; packed: Uint8Array<ArrayBuffer> };
  const sendNow = async (entries: Entry[]) => {
    const view = webview;
    if (!view) return;
    for (const { packed } of entries) {
      let js: string;
      if (isolation) {
        if (!session || !sessionAlive) return;
        const sealed = await session.sealDown(packed);
        options.tap?.(`d${sealed}`);
        js = `deliverEvent({ envelope: ${JSON.stringify(sealed)} })`;
      } else {
        js = `deliverEvent({ plain: ${JSON.stringify(bytesToBase64(packed))} })`;
      }
      // Not awaited: the next message may be sealed while this one is on its way.
      view.evaluate(js, BRIDGE_WORLD).catch(() => {});
    }
  };
  /** Runs `step` in the send queue's turn. */
  const queued = (step: () => Promise<void> | void) => {
    const done = eventsSent.then(step);
    eventsSent = done.catch(() => {});
    return done;
  };
  const send = (entries: Entry[]) => queued(() => sendNow(entries));
  const deliver: Deliver = (message) => {
    const mid = ++nextMid;
    const entry = { mid, packed: packMessage({ ...message, mid }) };
    if (isolation) {
      outbox.push(entry);
      outboxBytes += entry.packed.byteLength;
      while (outbox.length > 1 && (outbox.length > OUTBOX_SIZE || outboxBytes > OUTBOX_BYTES)) {
        outboxBytes -= outbox.shift()!.packed.byteLength;
      }
    }
    return send([entry]);
  };
  /** The relay vouches that the document served for this ticket is up: it may now get the messages the
   * page has not had yet (the relay says which it had last), and nothing more is sealed on a re-key. */
  const documentAlive = (presented: unknown, after: unknown) => {
    if (!session || presented !== sessionTicket) return;
    const seen = typeof after === "number" ? after : 0;
    // In the send queue's turn, so that no message queued before this one overtakes those resent: the
    // page's relay drops any number lower than one it has had.
    const alive = session;
    void queued(() => {
      if (session !== alive || sessionAlive) return;
      sessionAlive = true;
      return sendNow(outbox.filter((entry) => entry.mid > seen));
    });
  };
  const events = new WindowEvents(label, deliver);
  const closing = new AbortController();
  const builtins = builtinCommands(config, events, {
    label,
    signal: closing.signal,
    setTitle: (title) => webview?.setTitle(title),
    close: () => webview?.close() ?? Promise.resolve(),
  });
  const context: CommandContext = {
    window: label,
    app: { name: config.app.name, version: config.app.version, identifier: config.app.identifier },
    emit: (event, payload) => events.emit(event, payload),
    channel: (ref) => events.channel(ref),
  };
  // One outstanding ticket: the only way to get the isolation document (and so a session) served. It
  // names the document's own host too, and the secret that document and the relay share.
  let ticket: { ticket: string; host: string; secret: string } | null = null;

  const audit = options.audit ??
    ((entry: AuditEntry) => console.error(`airlock: rejected message ${JSON.stringify(entry)}`));

  const html = (document: SessionDocument): SchemeResponse => ({
    status: 200,
    contentType: "text/html; charset=utf-8",
    body: encoder.encode(document.html),
    headers: document.headers,
  });
  const serveIsolation = async (request: SchemeRequest): Promise<SchemeResponse> => {
    if (request.uri === ISOLATION_BLANK_URL) return html(await blankDocument());
    const url = new URL(request.uri);
    // The ticket reaches only the relay, which navigates its own frame with it (no page script can see
    // that URL: see frontend/relay_frame.ts). A fetch()/XHR carries an Origin header, a navigation does
    // not; and without the one-time ticket nothing is served, so an <img>, <script> or second iframe of
    // the page can neither read the document nor replace the session.
    if (!built || url.pathname !== "/" || request.header("Origin") !== null) return text(403, "forbidden");
    const live = ticket;
    if (live === null || url.host !== live.host || !sameSecret(url.searchParams.get("ticket"), live.ticket)) {
      return text(403, "forbidden");
    }
    ticket = null;
    // Every served document is a new session: a new key; messages sealed for the old one die with it.
    const created = await IsolationSession.create(label);
    if (session) retired.push(session.sid);
    if (retired.length > RETIRED_SESSIONS) retired.shift();
    session = created.session;
    sessionTicket = live.ticket;
    sessionAlive = false;
    return html(
      await sessionDocument(built, {
        key: created.rawKey,
        sid: session.sid,
        secret: live.secret,
        window: label,
        appOrigin: APP_ORIGIN,
        maxMessageBytes: config.limits.maxMessageBytes,
        maxDepth: config.limits.maxDepth,
        hookTimeoutMs: config.limits.hookTimeoutMs,
      }),
    );
  };

  let inFlight = 0;
  let pendingChars = 0;
  const executed = new Set<string>();
  const onMessage = async (wire: string): Promise<string> => {
    options.tap?.(wire);
    let answer: Answer;
    let cmd: string | undefined;
    try {
      const call = await open(wire);
      if (call === "ticket") {
        ticket = { ticket: randomHex(16), host: `d${randomHex(12)}`, secret: randomHex(16) };
        return JSON.stringify(ticket);
      }
      if (call === "alive") return JSON.stringify({ ok: true });
      if (call === "stale") {
        // Sealed for a document that has since been replaced: it did not run; the relay sends it again.
        return JSON.stringify({ ok: false, stale: true, error: "sealed for a replaced isolation document" });
      }
      cmd = call.cmd;
      const table = call.cmd.startsWith(BUILTIN_PREFIX) ? builtins : commands;
      // A call runs once: the page's bridge hands calls a replaced isolation document never answered to
      // the next one, and a copy may have reached the core already (its nonce is the call's identity).
      if (executed.has(call.nonce)) {
        return JSON.stringify({ nonce: call.nonce, duplicate: true, ok: false, error: "already run" });
      }
      executed.add(call.nonce);
      if (executed.size > EXECUTED_SIZE) executed.delete(executed.values().next().value!);
      // A page may not pile up unbounded work (each call may hold a file or a response in memory).
      if (inFlight >= MAX_CALLS_IN_FLIGHT) {
        answer = {
          nonce: call.nonce,
          ok: false,
          error: `too many calls in flight (limit ${MAX_CALLS_IN_FLIGHT}; the command did not run)`,
        };
      } else if (pendingChars + wire.length > MAX_PENDING_CHARS) {
        answer = {
          nonce: call.nonce,
          ok: false,
          error:
            `too much work in flight (${MAX_PENDING_CHARS} characters of arguments; the command did not run)`,
        };
      } else {
        inFlight++;
        pendingChars += wire.length;
        try {
          answer = await dispatch(table, call.nonce, call.cmd, call.payload, context);
        } finally {
          inFlight--;
          pendingChars -= wire.length;
        }
      }
    } catch (error) {
      // A bug of ours must not take the app down either: the caller learns of it, the log has it.
      const rejected = error instanceof RejectedMessage
        ? error
        : new RejectedMessage(`internal error: ${(error as Error)?.message ?? error}`);
      audit({ window: label, reason: rejected.message, ...(rejected.cmd ? { cmd: rejected.cmd } : {}) });
      answer = { ok: false, error: `rejected by the core: ${rejected.message}` };
    }
    return encodeAnswer(answer, cmd);
  };

  /** What a message from the relay asks for (see WIRE): a ticket, "that document is up", or a call
   * (opened and checked). */
  const open = async (wire: string): Promise<Invocation | "ticket" | "alive" | "stale"> => {
    const kind = wire[0];
    if (wire.length > maxWireChars + 1) throw new RejectedMessage(`message too large (${wire.length} bytes)`);
    if (kind === WIRE.alive && wire.length < 256) {
      const said = parseAlive(wire.slice(1));
      documentAlive(said?.ticket, said?.after);
      return "alive";
    }
    if (kind === WIRE.ticket && wire.length === 1) {
      if (!isolation) throw new RejectedMessage("no isolation in the brownfield pattern");
      return "ticket";
    }
    if (kind === WIRE.sealed) {
      if (!isolation) throw new RejectedMessage("no isolation in the brownfield pattern");
      if (!session) throw new RejectedMessage("no isolation session: the isolation frame has not loaded");
      if (retired.includes(sealedFor(wire))) return "stale";
      return await session.open(wire.slice(1), config.limits);
    }
    if (kind !== WIRE.plain) throw new RejectedMessage("message is not sealed by the isolation frame");
    // Brownfield: the page's call comes unsealed; it is still unpacked and checked like a sealed one.
    if (isolation) throw new RejectedMessage("message is not sealed by the isolation frame");
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(wire.slice(1));
    } catch {
      throw new RejectedMessage("malformed message: not base64");
    }
    return validateInvocation(unpackMessage(bytes, config.limits));
  };

  const relay: RelayConfig = {
    appOrigin: APP_ORIGIN,
    isolated: isolation,
    maxWireChars,
    hookTimeoutMs: config.limits.hookTimeoutMs,
    readyTimeoutMs: config.limits.readyTimeoutMs,
    coreHandler: CORE_HANDLER,
  };
  const devtools = options.devtools ?? config.devtools;
  if (!devtools) closeInspectorServer();
  webview = new Webview({
    title: config.app.title,
    width: config.app.width,
    height: config.app.height,
    schemes: {
      // The frontend API as an ES module, at a path reserved for it.
      app: (request) => request.path === API_MODULE_PATH ? apiModule() : frontendAsset(request.path),
      isolation: serveIsolation,
    },
    userScripts: [
      { source: relayScript(relay), world: BRIDGE_WORLD },
      { source: pageScript({ appOrigin: APP_ORIGIN, window: label }) },
    ],
    messageHandler: { name: CORE_HANDLER, world: BRIDGE_WORLD, onMessage },
    devtools,
    console: options.console ?? false,
    onPageCommitted: () => {
      // A new document: its listeners are new, and nothing meant for the old page may reach it.
      events.reset();
      outbox.length = 0;
      outboxBytes = 0;
    },
  });
  const view = webview;
  view.closed.then(() => closing.abort());
  await view.load(`${APP_ORIGIN}/`);

  return {
    config,
    label,
    closed: webview.closed,
    get title() {
      return view.title;
    },
    get isolation() {
      return built;
    },
    evaluate: (js, evaluateOptions) => view.evaluate(js, evaluateOptions?.world),
    emit: (event, payload) => events.emit(event, payload),
    listen: (event, listener) => events.listen(event, listener),
    rebuildIsolation: async () => {
      if (config.pattern.use !== "isolation") throw new Error("this app has no isolation app (brownfield)");
      if (embedded) throw new Error("an embedded app has no isolation folder to rebuild from");
      const next = await buildIsolationDocument(config.pattern.dir);
      built = next;
      await view.evaluate(`reloadIsolation()`, BRIDGE_WORLD);
      return next;
    },
    showOverlay: async (message) => {
      await view.evaluate(`showOverlay(${JSON.stringify(message)})`, BRIDGE_WORLD);
    },
    reload: () => view.reload(),
    close: () => view.close(),
  };
}

/** The session id an envelope names (the iframe writes `{"v":1,"sid":"…",…}`), or "" — read without
 * parsing: it decides only whether a refusal may say "stale". */
function sealedFor(wire: string): string {
  const at = wire.indexOf('"sid":"');
  return at > 0 && at < 16 ? wire.slice(at + 7, at + 39) : "";
}

function parseAlive(text: string): { ticket?: unknown; after?: unknown } | null {
  try {
    const said = JSON.parse(text);
    return said !== null && typeof said === "object" ? said : null;
  } catch {
    return null;
  }
}

/** Compares a presented secret with the expected one in time that does not depend on where they differ. */
function sameSecret(presented: string | null, expected: string): boolean {
  if (presented === null || presented.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= presented.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}

/** WebKit opens a remote Web Inspector for whichever of these is set; only dev builds may have one. */
function closeInspectorServer(): void {
  for (const name of ["WEBKIT_INSPECTOR_SERVER", "WEBKIT_INSPECTOR_HTTP_SERVER"]) {
    try {
      Deno.env.delete(name);
    } catch (error) {
      // WebKit reads the environment itself: if Deno may not clear it, the inspector could open.
      throw new ConfigError(
        `cannot clear ${name} before WebKit starts (${(error as Error).message}): run with --allow-env`,
      );
    }
  }
}
