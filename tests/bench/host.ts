// A separate host process for the benchmark's process-level figures; tests/bench.ts spawns it.
//
//   host.ts cold <config>   launch, one invoke, print {modulesMs, launchedMs, answeredMs} (milliseconds since
//                           this process's time origin), close, exit: cold start
//   host.ts serve <config>  launch, one invoke, print {ready, pid}; then take JSON lines on stdin:
//                           {"op":"invoke","n":…,"inFlight":…} → {ok, bad, ms, heapUsed, heapTotal};
//                           {"op":"memory"} → Deno.memoryUsage(); {"op":"quit"} → close, exit.
//                           The parent reads this process's memory and CPU time from /proc meanwhile.
const modulesMs = performance.now();
import { launch } from "../../mod.ts";

const [mode, config] = Deno.args;
if ((mode !== "cold" && mode !== "serve") || !config) {
  console.error("usage: host.ts cold|serve <config>");
  Deno.exit(2);
}

const print = (value: unknown) => console.log(JSON.stringify(value));

const app = await launch({ config, commands: { ping: ({ i }: { i?: number }) => i ?? null } });
const launchedMs = performance.now();
const first = await app.evaluate(`window.__TAURI__.core.invoke("ping", { i: 1 })`);
const answeredMs = performance.now();
if (first !== 1) throw new Error(`the first invoke answered ${JSON.stringify(first)}`);

if (mode === "cold") {
  print({ modulesMs, launchedMs, answeredMs });
} else {
  print({ ready: true, pid: Deno.pid });
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let buffered = "";
  outer: for await (const chunk of lines) {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const request = JSON.parse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (request.op === "quit") break outer;
      if (request.op === "memory") print(Deno.memoryUsage());
      if (request.op === "invoke") {
        const result = await app.evaluate(invokeLoop(request.n, request.inFlight)) as Record<string, unknown>;
        // The V8 heap's share of this process's memory, to tell a JS leak from a native one.
        const { heapUsed, heapTotal } = Deno.memoryUsage();
        print({ ...result, heapUsed, heapTotal });
      }
    }
  }
}
await app.close();

/** n invokes, inFlight at a time, each answered with its own number: counts right, wrong, and failed. */
function invokeLoop(n: number, inFlight: number): string {
  return `(async () => {
    const { invoke } = window.__TAURI__.core;
    let next = 0, ok = 0, bad = 0;
    const worker = async () => {
      while (next < ${n}) {
        const i = next++;
        try {
          if ((await invoke("ping", { i })) === i) ok++;
          else bad++;
        } catch {
          bad++;
        }
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: ${inFlight} }, worker));
    return { ok, bad, ms: performance.now() - started };
  })()`;
}
