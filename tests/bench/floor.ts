// The benchmark's floor: a bare script-message echo on the same native binding Airlock uses
// (native/webview.ts Webview), with no Airlock code at all. A page served from its own scheme; a loop of
// `await webkit.messageHandlers.<name>.postMessage(…)` (the promise settles with Deno's reply); Deno replies
// at once with the text it got. Timed like the small invoke round trip: Deno notes each arrival, and the gap
// between two arrivals is one round trip.
//
// The Webview registers its handler in a named script world only, so the loop runs in that world: it is
// started with evaluate(js, world) in the loaded page (the same world Airlock's relay posts from).
import { Webview } from "../../native/webview.ts";

const WORLD = "bench-floor";
const HANDLER = "floor";
const PAGE = "<!doctype html><meta charset=utf-8><title>floor</title><p>floor</p>";

export class EchoFloor {
  /** performance.now() of each message's arrival. */
  arrivals: number[] = [];
  #view: Webview;

  private constructor() {
    this.#view = new Webview({
      title: "floor",
      width: 400,
      height: 300,
      schemes: {
        floor: () => ({
          status: 200,
          contentType: "text/html",
          body: new TextEncoder().encode(PAGE),
        }),
      },
      userScripts: [],
      messageHandler: {
        name: HANDLER,
        world: WORLD,
        onMessage: (text) => {
          this.arrivals.push(performance.now());
          return text;
        },
      },
    });
  }

  static async open(): Promise<EchoFloor> {
    const floor = new EchoFloor();
    await floor.#view.load("floor://localhost/");
    if (await floor.#loop(1) !== 1) throw new Error("the floor's echo did not answer");
    return floor;
  }

  /** `calls` sequential echoes; resolves to how many came back with what was sent. */
  #loop(calls: number): Promise<unknown> {
    return this.#view.evaluate(
      `(async () => {
        const handler = webkit.messageHandlers.${HANDLER};
        let ok = 0;
        for (let i = 0; i < ${calls}; i++) {
          const text = "ping " + i;
          if ((await handler.postMessage(text)) === text) ok++;
        }
        return ok;
      })()`,
      WORLD,
    );
  }

  /** Round trips of `calls` sequential echoes (calls − 1 gaps). */
  async roundTrips(calls: number): Promise<number[]> {
    this.arrivals = [];
    const ok = await this.#loop(calls);
    if (ok !== calls || this.arrivals.length !== calls) {
      throw new Error(`floor: ${ok}/${calls} echoes answered, ${this.arrivals.length} arrived`);
    }
    const out: number[] = [];
    for (let i = 1; i < this.arrivals.length; i++) out.push(this.arrivals[i] - this.arrivals[i - 1]);
    return out;
  }

  close(): Promise<void> {
    return this.#view.close();
  }
}
