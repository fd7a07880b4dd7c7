// Messages down to one window's page (events, channel messages): numbered, packed once, and — with
// isolation — sealed for the current isolation document only once it has said hello (before that it could
// not open them). The recent ones are kept, bounded by count and by bytes, and those the page has not had
// are sent again to each new document: one that replaced the frame mid-stream gets what the old one may
// not have passed on, and the relay drops any number it has had.
import { BRIDGE_WORLD } from "../protocol/messages.ts";
import { bytesToBase64 } from "../protocol/seal.ts";
import { packMessage } from "../protocol/wire.ts";
import type { Deliver } from "./events.ts";
import type { IsolationSession } from "./session.ts";

/** At most this many messages are kept for a new document, and at most OUTBOX_BYTES of them (the newest
 * one always). */
const OUTBOX_SIZE = 1024;
const OUTBOX_BYTES = 8 * 1024 * 1024;

type Entry = { mid: number; packed: Uint8Array<ArrayBuffer> };

export interface OutboxOptions {
  isolated: boolean;
  /** The session to seal for, while its document is alive. */
  session(): IsolationSession | null;
  /** Runs JS in the relay's world of the window. */
  toRelay(js: string, world: string): Promise<unknown>;
  /** Sees each sealed message sent down, "d" + envelope. */
  tap?: (wire: string) => void;
}

export class Outbox {
  #kept: Entry[] = [];
  #bytes = 0;
  #nextMid = 0;
  #alive: IsolationSession | null = null;
  // One at a time, sealed in order, so the iframe sees their numbers rise.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: OutboxOptions) {}

  /** Sends a message down; with isolation it is kept for a document that may replace the current one. */
  readonly deliver: Deliver = (message) => {
    const mid = ++this.#nextMid;
    const entry = { mid, packed: packMessage({ ...message, mid }) };
    if (this.options.isolated) {
      this.#kept.push(entry);
      this.#bytes += entry.packed.byteLength;
      while (this.#kept.length > 1 && (this.#kept.length > OUTBOX_SIZE || this.#bytes > OUTBOX_BYTES)) {
        this.#bytes -= this.#kept.shift()!.packed.byteLength;
      }
    }
    return this.#inTurn(() => this.#send([entry]));
  };

  /** The current document is up (the relay vouches for it) and the page has had everything up to
   * `after`: send it the rest. In the queue's turn, so nothing queued earlier overtakes what is resent. */
  alive(session: IsolationSession, after: number): void {
    void this.#inTurn(() => {
      if (this.options.session() !== session || this.#alive === session) return;
      this.#alive = session;
      return this.#send(this.#kept.filter((entry) => entry.mid > after));
    });
  }

  /** A new page in the window: nothing meant for the old one may reach it. */
  clear(): void {
    this.#kept = [];
    this.#bytes = 0;
  }

  #inTurn(step: () => Promise<void> | void): Promise<void> {
    const done = this.#queue.then(step);
    this.#queue = done.catch(() => {});
    return done;
  }

  async #send(entries: Entry[]): Promise<void> {
    for (const { packed } of entries) {
      let js: string;
      if (this.options.isolated) {
        const session = this.options.session();
        if (!session || this.#alive !== session) return;
        const sealed = await session.sealDown(packed);
        this.options.tap?.(`d${sealed}`);
        js = `deliverEvent({ envelope: ${JSON.stringify(sealed)} })`;
      } else {
        js = `deliverEvent({ plain: ${JSON.stringify(bytesToBase64(packed))} })`;
      }
      // Not awaited: the next message may be sealed while this one is on its way.
      this.options.toRelay(js, BRIDGE_WORLD).catch(() => {});
    }
  }
}
