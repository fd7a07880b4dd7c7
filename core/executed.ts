// The calls a window has run, by nonce (a call's identity, sealed inside it). A copy of a call that comes
// again — re-sealed after its answer was lost or its isolation document replaced — gets the first run's
// answer (waiting for it if it is still running), never a second run. Nonces are kept by age, for as long
// as the relay may still send a copy of a call, so a flood of other calls cannot push one out; answers only
// while running and then for the most recent calls, within a byte budget (a copy of an older or larger
// one is told the command ran).

/** Finished answers kept for copies that may come again (the most recent ones). */
const KEPT_ANSWERS = 1024;
/** Their total text, at most. */
const ANSWER_BUDGET_CHARS = 4 * 1024 * 1024;
/** An answer longer than this is not kept. */
const MAX_KEPT_ANSWER_CHARS = 256 * 1024;

export class ExecutedCalls {
  /** nonce → when it ran (insertion order is time order). */
  readonly #ran = new Map<string, number>();
  /** Answers of the calls still running. */
  readonly #running = new Map<string, Promise<string>>();
  /** The most recent finished answers, oldest first. */
  readonly #finished = new Map<string, string>();
  readonly #keepMs: number;
  readonly #now: () => number;
  #chars = 0;

  /** keepMs: how long a copy of a call may still come (the relay's deadline for a call, and some). */
  constructor(keepMs: number, now: () => number = () => performance.now()) {
    this.#keepMs = keepMs;
    this.#now = now;
  }

  /** The answer of the run of this nonce, if it ran (or is running); null if it never did. */
  seen(nonce: string): Promise<string> | null {
    const running = this.#running.get(nonce);
    if (running) return running;
    const finished = this.#finished.get(nonce);
    if (finished !== undefined) return Promise.resolve(finished);
    return this.#ran.has(nonce) ? Promise.resolve(ranWithoutAnswer(nonce)) : null;
  }

  /** Notes that nonce runs now, with the answer it gives (or will give). */
  record(nonce: string, answer: string | Promise<string>): void {
    this.#forgetOld();
    this.#ran.set(nonce, this.#now());
    if (typeof answer === "string") return this.#keep(nonce, answer);
    this.#running.set(nonce, answer);
    answer.then((text) => {
      this.#running.delete(nonce);
      this.#keep(nonce, text);
    });
  }

  #keep(nonce: string, text: string): void {
    if (text.length > MAX_KEPT_ANSWER_CHARS) return;
    this.#finished.set(nonce, text);
    this.#chars += text.length;
    for (const [key, kept] of this.#finished) {
      if (this.#finished.size <= KEPT_ANSWERS && this.#chars <= ANSWER_BUDGET_CHARS) break;
      this.#chars -= kept.length;
      this.#finished.delete(key);
    }
  }

  get size(): number {
    return this.#ran.size;
  }

  #forgetOld(): void {
    const cutoff = this.#now() - this.#keepMs;
    for (const [nonce, at] of this.#ran) {
      if (at > cutoff) break;
      this.#ran.delete(nonce);
    }
  }
}

/** What a copy of a call gets when the first run's answer is no longer kept. */
function ranWithoutAnswer(nonce: string): string {
  return JSON.stringify({
    nonce,
    ok: false,
    error: "the command ran, but its answer was lost on the way and is no longer kept",
  });
}
