// Anti-replay window in the manner of IPsec ESP (RFC 4303 §3.4.3): the highest sequence number seen plus
// a bitmap of the ones just below it. Each number is accepted once; anything older than the window is
// refused; small reordering in flight is tolerated. Constant memory however long the session lives.

export class ReplayWindow {
  #highest = 0;
  #seen: boolean[];

  constructor(readonly size = 128) {
    this.#seen = new Array(size).fill(false);
  }

  /** Why seq cannot be accepted, or null if it is fresh. Does not record it: call accept() once it is
   * authenticated, so a forged message cannot burn a number the honest sender has yet to use. */
  check(seq: number): string | null {
    if (!Number.isSafeInteger(seq) || seq < 1) return "invalid sequence number";
    if (seq > this.#highest) return null;
    if (seq <= this.#highest - this.size) return "message too old (outside the replay window)";
    return this.#seen[seq % this.size] ? "replayed message" : null;
  }

  /** Whether seq is below the window: newer numbers have moved it on. */
  tooOld(seq: number): boolean {
    return Number.isSafeInteger(seq) && seq >= 1 && seq <= this.#highest - this.size;
  }

  accept(seq: number): void {
    if (seq > this.#highest) {
      // Slots between the old and the new highest now stand for numbers not seen yet.
      for (let n = Math.max(this.#highest + 1, seq - this.size + 1); n < seq; n++) {
        this.#seen[n % this.size] = false;
      }
      this.#highest = seq;
    }
    this.#seen[seq % this.size] = true;
  }
}
