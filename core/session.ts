// One isolation session: the key of one isolation document load, and its replay window.
import { envelopeText, eventAad } from "../protocol/seal.ts";
import { type Invocation, type Limits, openBinaryEnvelope, openEnvelope } from "./envelope.ts";
import { createSessionKey, type SessionKey } from "./key.ts";
import { ReplayWindow } from "./replay.ts";

export class IsolationSession {
  #replay = new ReplayWindow();
  // Decryption is asynchronous and may finish out of order; opening one message at a time keeps
  // acceptance in arrival order, so a burst of calls never looks like replays to the window.
  #tail: Promise<unknown> = Promise.resolve();
  #eventSeq = 0;

  private constructor(readonly sid: string, readonly window: string, private readonly key: SessionKey) {}

  /** A new session and the raw key to hand to its isolation document (and nowhere else). */
  static async create(window: string): Promise<{ session: IsolationSession; rawKey: string }> {
    const key = await createSessionKey();
    return { session: new IsolationSession(key.sid, window, key), rawKey: key.rawBase64 };
  }

  /** Opens a sealed call: its string envelope, or a large call's bytes. */
  open(wire: string | Uint8Array<ArrayBuffer>, limits: Limits): Promise<Invocation> {
    const opened = this.#tail.then(() => {
      const context = {
        window: this.window,
        sid: this.sid,
        key: this.key.key,
        decrypt: this.key.decrypt,
        replay: this.#replay,
        limits,
      };
      return typeof wire === "string" ? openEnvelope(wire, context) : openBinaryEnvelope(wire, context);
    });
    this.#tail = opened.catch(() => {});
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
