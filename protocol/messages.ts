// The names every part of the bridge agrees on: the script world and message handler, the wire prefixes
// of what the relay sends the core, and the isolation scheme's URLs.
import { stringStartsWith } from "./primordials.ts";

/** The isolated script world of the relay; page scripts and iframes cannot reach it. */
export const BRIDGE_WORLD = "airlock";
/** The core's script message handler, registered in BRIDGE_WORLD only. */
export const CORE_HANDLER = "airlockCore";

/** The app's own origin: its pages are served from app://localhost/. */
export const APP_ORIGIN = "app://localhost";

/** What the relay sends the core: the first character says what follows. */
export const WIRE = {
  /** "t": a ticket for the next isolation document, please. */
  ticket: "t",
  /** "a" + JSON {ticket, after}: that document is up; send it the messages numbered after `after`. */
  alive: "a",
  /** "s" + a sealed envelope. */
  sealed: "s",
  /** "p" + an unsealed (brownfield) call, packed and base64. */
  plain: "p",
  /** "b" + a JSON array of 2–BATCH_MAX_CALLS call messages ("s…" or "p…") that left the relay in one turn
   * (many calls in flight): one script message instead of several. The answer is a JSON array, one item
   * per call: its answer, or {"wait": token} for a call still running. */
  batch: "b",
  /** "w" + a token from a batch's answer: that call's answer, once it has one. */
  wait: "w",
} as const;

/** At most this many calls in one batch, each at most BATCH_CALL_CHARS long (larger ones go alone). */
export const BATCH_MAX_CALLS = 64;
export const BATCH_CALL_CHARS = 16 * 1024;

/** The isolation frame's first document: empty and cross-origin to the page, so a page script cannot
 * sit inside it when the relay navigates it to the keyed document. */
export const ISOLATION_BLANK_URL = "isolation://localhost/blank";
/** A keyed isolation document lives at isolation://<host>/ — a host made for that one document, so its
 * origin names it: the relay accepts messages from that origin only, and posts only to it. */
export const isolationOrigin = (host: string): string => `isolation://${host}`;

/** The page world's script's settings (no secrets: page scripts share its world). */
export interface PageConfig {
  appOrigin: string;
  /** This window's label (Tauri's metadata.currentWindow.label). */
  window: string;
}

/** The relay's settings. */
export interface RelayConfig {
  appOrigin: string;
  /** false in the brownfield pattern (no isolation): calls go to the core unsealed. */
  isolated: boolean;
  hookTimeoutMs: number;
  readyTimeoutMs: number;
  /** The longest string the relay passes to the core (what maxMessageBytes takes in base64). */
  maxWireChars: number;
  coreHandler: string;
  /** Sent with each large call's POST (IPC_TOKEN_HEADER): the core answers a POST only with it, and
   * only this world has it. */
  ipcToken: string;
  /** Dev's isolation inspector is open: report what became of each call (INSPECT_PATH). */
  inspect?: boolean;
}

/** Dev only: where the relay POSTs (with its IPC token) what became of each call, for the isolation
 * inspector (host/inspector.ts). */
export const INSPECT_PATH = "/__airlock/inspect";

/** The isolation runtime's settings, inlined into one keyed document. */
export interface RuntimeConfig {
  /** Raw AES-256 key, base64; imported non-extractable, then dropped from the runtime's memory. */
  key: string;
  sid: string;
  /** Known to the relay and this document only: the relay's messages carry it. */
  secret: string;
  window: string;
  /** The only origin allowed to send calls and receive sealed messages: the app's main frame. */
  appOrigin: string;
  maxMessageBytes: number;
  maxDepth: number;
  hookTimeoutMs: number;
  /** Where the isolation app's scripts sit in this document: a load error names their file:line. */
  sources?: SourceSpan[];
  /** Dev's isolation inspector is open: tell the relay what the hook made of each call it passed. */
  inspect?: boolean;
}

/** One of the isolation app's scripts in its document (lines 1-based, columns 0-based): its code starts at
 * line:column of the document and at sourceLine:sourceColumn of the file `name`. A bundled one (a module)
 * has its bundle's lines, so only its name is meaningful. */
export interface SourceSpan {
  name: string;
  line: number;
  column: number;
  lines: number;
  sourceLine: number;
  sourceColumn: number;
  bundled: boolean;
}

/** Calls whose packed bytes are larger than this travel sealed as bytes, POSTed by the relay to IPC_PATH;
 * smaller ones as a string through the script message (a tiny POST costs more than the message). */
export const LARGE_CALL_BYTES = 64 * 1024;
/** Where the relay POSTs a large call's byte envelope (app:// scheme, handled by the core). */
export const IPC_PATH = "/__airlock/ipc";
/** The header carrying the relay's token with that POST. */
export const IPC_TOKEN_HEADER = "X-Airlock-Relay";

/** A call's kind as the core checks it (core/envelope.ts): Tauri's event commands are "event" messages,
 * every other command an "invoke".
 * @example messageKind("plugin:event|listen") // "event" */
export const messageKind = (cmd: unknown): "event" | "invoke" =>
  typeof cmd === "string" && stringStartsWith(cmd, "plugin:event|") ? "event" : "invoke";
