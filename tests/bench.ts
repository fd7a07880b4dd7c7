// `deno task bench`: how fast a small invoke travels page → hook → seal → core → page, against the same app
// without isolation (brownfield). Timed in Deno: the page's performance.now() has 1 ms resolution in WebKitGTK,
// so each round trip is the gap between two consecutive arrivals of a sequential loop at the core.
import { launch } from "../mod.ts";
import { makeApp } from "./fixture.ts";

const CALLS = Number(Deno.env.get("BENCH_CALLS") ?? 3000);
const WARMUP = 300;
const PASS_THROUGH = "window.__TAURI_ISOLATION_HOOK__ = (message) => message;";

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function roundTrips(isolated: boolean) {
  const arrivals: number[] = [];
  const app = await launch({
    config: await makeApp({ hook: isolated ? PASS_THROUGH : null }),
    commands: { ping: () => void arrivals.push(performance.now()) },
  });
  try {
    await app.evaluate(`(async () => {
      const { invoke } = window.__TAURI__.core;
      for (let i = 0; i < ${WARMUP + CALLS}; i++) await invoke("ping", { i });
    })()`);
    const started = performance.now();
    await app.evaluate(
      `Promise.all(Array.from({ length: 2000 }, (_, i) => window.__TAURI__.core.invoke("ping", { i })))`,
    );
    const throughput = 2000 / ((performance.now() - started) / 1000);
    const gaps = arrivals.slice(WARMUP + 1, WARMUP + CALLS).map((t, i) => t - arrivals[WARMUP + i]);
    gaps.sort((a, b) => a - b);
    return { p50: quantile(gaps, 0.5), p99: quantile(gaps, 0.99), throughput };
  } finally {
    await app.close();
  }
}

const isolation = await roundTrips(true);
const brownfield = await roundTrips(false);
const row = (name: string, a: number, b: number, unit: string, digits: number) =>
  `| ${name} | ${a.toFixed(digits)} ${unit} | ${b.toFixed(digits)} ${unit} | ${(a / b).toFixed(2)}× |`;
console.log(`\nsmall invoke, ${CALLS} sequential calls after ${WARMUP} warm-up (Deno-side timing)\n`);
console.log("| figure | isolation | brownfield | ratio |\n|---|---|---|---|");
console.log(row("round trip p50", isolation.p50, brownfield.p50, "ms", 3));
console.log(row("round trip p99", isolation.p99, brownfield.p99, "ms", 3));
console.log(row("throughput, 2000 in flight", isolation.throughput, brownfield.throughput, "calls/s", 0));
