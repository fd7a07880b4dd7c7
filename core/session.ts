// One isolation session: the key of one isolation document load, and its replay window.
import { envelopeText, eventAad } from "../protocol/seal.ts";
import { type Invocation, type Limits, openBinaryEnvelopeInPlace, openEnvelopeInPlace } from "./envelope.ts";
import { createSessionKey, type SessionKey } from "./key.ts";
import { ReplayWindow } from "./replay.ts";

export class IsolationSession {
  #replay = new ReplayWindow();
  // Calls are opened one at a time, in arrival order, so a burst never looks like replays to the window:
  // in place while nothing waits (the core decrypts synchronously), behind the queue otherwise.
  #tail: Promise<unknown> = Promise.resolve();
  #queued = 0;
  #eventSeq = 0;

  private constructor(readonly sid: string, readonly window: string, private readonly key: SessionKey) {}

  /** A new session and the raw key to hand to its isolation document (and nowhere else). */
  static async create(window: string): Promise<{ session: IsolationSession; rawKey: string }> {
    const key = await createSessionKey();
    return { session: new IsolationSession(key.sid, window, key), rawKey: key.rawBase64 };
  }

  /** Opens a sealed call: its string envelope, or a large call's bytes. In place (no promise) when it
   * can be; throws (or rejects with) a RejectedMessage when refused. */
  open(wire: string | Uint8Array<ArrayBuffer>, limits: Limits): Invocation | Promise<Invocation> {
    const context = {
      window: this.window,
      sid: this.sid,
      key: this.key.key,
      decrypt: this.key.decrypt,
      replay: this.#replay,
      limits,
    };
    const openIt = () =>
      typeof wire === "string"
        ? openEnvelopeInPlace(wire, context)
        : openBinaryEnvelopeInPlace(wire, context);
    const opened = this.#queued === 0 ? openIt() : this.#tail.then(openIt);
    if (!(opened instanceof Promise)) return opened;
    this.#queued++;
    this.#tail = opened.catch(() => {}).finally(() => this.#queued--);
    return opened;
  }

  /** A message down to this session's iframe (an event, a channel message, packed by packMessage), for
   * it to open and pass on. */
  sealDown(packed: Uint8Array<ArrayBuffer>, iv?: Uint8Array<ArrayBuffer>): Promise<string> {
    const seq = ++this.#eventSeq;
    const nonce = iv ?? crypto.getRandomValues(new Uint8Array(12));
    const sealed = this.key.encrypt(nonce, eventAad(this.window, this.sid, seq), packed);
    return Promise.resolve(envelopeText(this.sid, seq, nonce, sealed));
  }
}
