// A window's calls per second, as a token bucket: a second's worth may come at once, then they refill
// at the rate. The excess is refused before anything is decrypted or run, so a flood costs the core
// little and the other windows keep their turn.

export class RateLimit {
  readonly #rate: number;
  #tokens: number;
  #at: number;
  /** Calls refused since the last audit line about them. */
  #refused = 0;
  #reportedAt = -Infinity;

  constructor(perSecond: number, readonly now: () => number = () => performance.now()) {
    this.#rate = perSecond;
    this.#tokens = perSecond;
    this.#at = now();
  }

  /** Takes one call's token; false when the window is over its rate. */
  take(): boolean {
    const now = this.now();
    this.#tokens = Math.min(this.#rate, this.#tokens + (now - this.#at) * this.#rate / 1000);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    this.#refused++;
    return false;
  }

  /** How many were refused since the last report, at most once a second (one audit line, not one per call);
   * 0 when there is nothing to say yet. */
  report(): number {
    const now = this.now();
    if (this.#refused === 0 || now - this.#reportedAt < 1000) return 0;
    const count = this.#refused;
    this.#refused = 0;
    this.#reportedAt = now;
    return count;
  }

  get perSecond(): number {
    return this.#rate;
  }
}
