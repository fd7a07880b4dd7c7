// The isolation documents of one window: the one outstanding ticket, serving the blank and the keyed
// document (each keyed one a new session: a new key, host and secret), and which sessions have been
// replaced (an envelope sealed for one of those did not run, and may be sent again).
import type { SchemeRequest, SchemeResponse } from "../protocol/scheme.ts";
import { APP_ORIGIN, ISOLATION_BLANK_URL } from "../protocol/messages.ts";
import {
  blankDocument,
  type IsolationDocument,
  type SessionDocument,
  sessionDocument,
} from "../isolation/document.ts";
import type { AppConfig } from "./config.ts";
import { randomHex } from "./key.ts";
import { IsolationSession } from "./session.ts";

/** Session ids of a window's replaced isolation documents remembered as "stale, did not run". */
const RETIRED_SESSIONS = 8;

const encoder = new TextEncoder();
const forbidden = (): SchemeResponse => ({
  status: 403,
  contentType: "text/plain; charset=utf-8",
  body: encoder.encode("forbidden"),
});
const html = (document: SessionDocument): SchemeResponse => ({
  status: 200,
  contentType: "text/html; charset=utf-8",
  body: encoder.encode(document.html),
  headers: document.headers,
});

export class IsolationDocuments {
  /** The session of the document served last, or null before the first. */
  session: IsolationSession | null = null;
  #sessionTicket = "";
  #ticket: { ticket: string; host: string; secret: string } | null = null;
  #retired: string[] = [];

  constructor(
    private readonly label: string,
    private readonly config: AppConfig,
    private readonly built: () => IsolationDocument | null,
  ) {}

  /** A new ticket for the relay (the old one, if unspent, is void): the keyed document's URL parts. */
  ticket(): string {
    this.#ticket = { ticket: randomHex(16), host: `d${randomHex(12)}`, secret: randomHex(16) };
    return JSON.stringify(this.#ticket);
  }

  /** True when `ticket` names the document served last (its runtime has said hello). */
  isCurrent(ticket: unknown): boolean {
    return this.session !== null && ticket === this.#sessionTicket;
  }

  /** Whether an envelope (or the session id of a byte envelope) names a session of this window that has
   * been replaced. */
  isStale(envelope: string, sid = sealedFor(envelope)): boolean {
    return this.#retired.includes(sid);
  }

  /** The isolation scheme's answer. The ticket reaches only the relay, which has the blank document of its
   * own frame navigate with it (frontend/relay_frame.ts). A fetch()/XHR carries an Origin header, a
   * navigation does not; and without the one-time ticket nothing is served, so an <img>, <script> or
   * second iframe of the page can neither read the document nor replace the session. */
  async serve(request: SchemeRequest): Promise<SchemeResponse> {
    if (request.uri === ISOLATION_BLANK_URL) return html(await blankDocument());
    const built = this.built();
    const url = new URL(request.uri);
    if (!built || url.pathname !== "/" || request.header("Origin") !== null) return forbidden();
    const live = this.#ticket;
    if (live === null || url.host !== live.host || !sameSecret(url.searchParams.get("ticket"), live.ticket)) {
      return forbidden();
    }
    this.#ticket = null;
    // Every served document is a new session: a new key; messages sealed for the old one die with it.
    const created = await IsolationSession.create(this.label);
    if (this.session) this.#retired.push(this.session.sid);
    if (this.#retired.length > RETIRED_SESSIONS) this.#retired.shift();
    this.session = created.session;
    this.#sessionTicket = live.ticket;
    const { limits } = this.config;
    return html(
      await sessionDocument(built, {
        key: created.rawKey,
        sid: created.session.sid,
        secret: live.secret,
        window: this.label,
        appOrigin: APP_ORIGIN,
        maxMessageBytes: limits.maxMessageBytes,
        maxDepth: limits.maxDepth,
        hookTimeoutMs: limits.hookTimeoutMs,
      }),
    );
  }
}

/** The session id an envelope names (the iframe writes `{"v":1,"sid":"…",…}`), or "" — read without
 * parsing: it decides only whether a refusal may say "stale". */
function sealedFor(envelope: string): string {
  const at = envelope.indexOf('"sid":"');
  return at > 0 && at < 16 ? envelope.slice(at + 7, at + 39) : "";
}

/** Compares a presented secret with the expected one in time that does not depend on where they differ. */
export function sameSecret(presented: string | null, expected: string): boolean {
  if (presented === null || presented.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= presented.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}
