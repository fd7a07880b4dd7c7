// `deno task bench`: the real app in the real webview, isolation against the same build's brownfield pattern
// (no isolation), every figure as median (p50) and p99 over many runs, printed as a table and saved to
// bench-results/<date>-<commit>.json (and bench-results/latest.json for a full run).
//
//   deno task bench                    full run (a few minutes)
//   deno task bench --quick            short run, fewer samples (for a smoke check; writes …-quick.json)
//   deno task bench --docs             also rewrite the generated part of docs/bench.md
//   deno task bench --report FILE      print (and with --docs, publish) a saved result without running
//
// Timing. The page's performance.now() has 1 ms resolution in WebKitGTK, so per-call times are taken in
// Deno: in a sequential loop each command records its arrival, and the gap between two arrivals is one full
// round trip (answer → relay → page → next invoke → hook → seal → relay → core → command). Throughput runs
// are long enough (hundreds of ms) for the page's clock. Process figures (cold start, RSS, idle CPU) come
// from separate host processes (tests/bench/host.ts), read through /proc.
import { fileURLToPath } from "node:url";
import { type AppHandle, launch } from "../mod.ts";
import { packMessage } from "../protocol/wire.ts";
import { LARGE_CALL_BYTES } from "../protocol/messages.ts";
import { BINARY_HEADER_BYTES } from "../protocol/seal.ts";
import { EchoFloor } from "./bench/floor.ts";
import { makeApp } from "./fixture.ts";
import { makePayload, payloadBytes, payloadCount, type PayloadKind } from "./bench/payload.ts";
import { byName, cpuClock, loadAverage, machineFacts, otherLoad, snapshot } from "./bench/proc.ts";
import {
  type BenchResults,
  type ColdStartResult,
  type HostResult,
  judgeTargets,
  type MemoryCheckpoint,
  type Mode,
  type PayloadResult,
  type PerMode,
  type PhaseLoad,
  renderMachine,
  renderTables,
  sizeName,
  type ThroughputResult,
  updateDocs,
  updateReadme,
} from "./bench/report.ts";
import { summarize, summarizeRate, type Summary } from "./bench/stats.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HOST = fileURLToPath(new URL("./bench/host.ts", import.meta.url));
const RESULTS_DIR = `${ROOT}bench-results`;
const DOCS_FILE = `${ROOT}docs/bench.md`;
const README_FILE = `${ROOT}README.md`;
const MODES: Mode[] = ["isolation", "brownfield"];
/** The isolation app under test: the smallest hook, so the figures are Airlock's cost, not the app's. */
const PASS_THROUGH = "window.__TAURI_ISOLATION_HOOK__ = (payload) => payload;";
const KIB = 1024;
const MIB = 1024 * 1024;

const args = Deno.args;
const QUICK = args.includes("--quick");
const DOCS = args.includes("--docs");
const reportAt = args.indexOf("--report");
const unknown = args.filter((arg, i) =>
  !["--quick", "--docs", "--report"].includes(arg) && i !== reportAt + 1
);
if (unknown.length || (reportAt >= 0 && !args[reportAt + 1])) {
  console.error("usage: deno task bench [--quick] [--docs] [--report bench-results/FILE.json]");
  Deno.exit(2);
}

const PLAN = QUICK
  ? {
    roundTrip: { warmup: 200, block: 500, rounds: 2 },
    throughput: { inFlight: [1, 16, 256], calls: 1000, runs: 3 },
    payload: { sizes: [KIB, 64 * KIB, MIB, 8 * MIB], calls: [40, 20, 6, 3] },
    cold: { runs: 3 },
    host: { invokes: 10_000, checkpoints: 4, idleSeconds: 3 },
  }
  : {
    roundTrip: { warmup: 500, block: 1000, rounds: 5 },
    throughput: { inFlight: [1, 16, 256], calls: 3000, runs: 8 },
    payload: { sizes: [KIB, 64 * KIB, MIB, 8 * MIB], calls: [400, 100, 30, 10] },
    cold: { runs: 15 },
    host: { invokes: 100_000, checkpoints: 10, idleSeconds: 10 },
  };

const log = (message: string) => console.error(`bench: ${message}`);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Alternates which pattern goes first, so neither always runs on a warmer or quieter machine. */
const inTurn = (round: number): Mode[] => (round % 2 ? [...MODES].reverse() : MODES);
const perMode = <T>(make: (mode: Mode) => T): PerMode<T> => ({
  isolation: make("isolation"),
  brownfield: make("brownfield"),
});

if (reportAt >= 0) {
  const results = JSON.parse(await Deno.readTextFile(args[reportAt + 1])) as BenchResults;
  console.log(`${renderMachine(results)}\n\n${renderTables(results)}`);
  if (DOCS) await publish(results);
  Deno.exit(0);
}

try {
  Deno.readTextFileSync("/proc/self/stat");
} catch {
  console.error("bench: needs --allow-all (Deno 2 reads nothing under /proc with narrower permissions):");
  console.error("  deno run --allow-all tests/bench.ts [--quick] [--docs]");
  Deno.exit(2);
}

// ---- the apps under test, in this process ----

interface Subject {
  mode: Mode;
  app: AppHandle;
  /** performance.now() of each arrival at `ping` / `sink`. */
  arrivals: number[];
  /** calls that reached `echo` */
  echoed: number;
  /** Length of the last call the core received, as it arrived (the sealed envelope, or brownfield's
   * unsealed call), without the relay's one-letter kind. */
  lastWire: number;
}

async function configFor(mode: Mode): Promise<string> {
  // Room for the 8 MiB payloads (the default limit is 4 MiB), and no rate limit in the way of the
  // throughput runs (the default is 5,000 calls per second per window).
  return await makeApp({
    hook: mode === "isolation" ? PASS_THROUGH : null,
    airlock: { maxMessageBytes: 32 * MIB, callsPerSecond: 1_000_000 },
  });
}

async function open(mode: Mode): Promise<Subject> {
  const subject: Subject = { mode, app: null as unknown as AppHandle, arrivals: [], echoed: 0, lastWire: -1 };
  subject.app = await launch({
    tap: (wire) => {
      if (wire[0] === "s" || wire[0] === "p") subject.lastWire = wire.length - 1;
      if (wire[0] === "B") subject.lastWire = Number(wire.slice(1)); // a large call, POSTed as bytes
    },
    config: await configFor(mode),
    label: mode,
    commands: {
      ping: () => void subject.arrivals.push(performance.now()),
      echo: ({ i }: { i: number }) => (subject.echoed++, i),
      sink: (payload: Record<string, unknown>) => {
        subject.arrivals.push(performance.now());
        return payloadCount(payload);
      },
    },
  });
  // The isolation frame is ready once a call comes back.
  await subject.app.evaluate(`window.__TAURI__.core.invoke("echo", { i: 0 })`);
  return subject;
}

/** Gaps between consecutive arrivals: each is one full round trip of a sequential loop. */
function gaps(arrivals: number[], skip = 0): number[] {
  const out: number[] = [];
  for (let i = 1 + skip; i < arrivals.length; i++) out.push(arrivals[i] - arrivals[i - 1]);
  return out;
}

async function sequentialPings(subject: Subject, calls: number): Promise<number[]> {
  subject.arrivals = [];
  await subject.app.evaluate(`(async () => {
    const { invoke } = window.__TAURI__.core;
    for (let i = 0; i < ${calls}; i++) await invoke("ping", { i });
  })()`);
  if (subject.arrivals.length !== calls) {
    throw new Error(`${subject.mode}: ${subject.arrivals.length}/${calls} pings`);
  }
  return gaps(subject.arrivals);
}

/** The small round trip of both patterns and of the bare script-message echo (the floor), in turn. */
async function roundTrip(
  subjects: PerMode<Subject>,
  floor: EchoFloor,
): Promise<{ patterns: PerMode<Summary>; floor: Summary }> {
  const { warmup, block, rounds } = PLAN.roundTrip;
  log(
    `small round trip: ${rounds} rounds × ${block} sequential calls per pattern and of the bare echo, ` +
      `after ${warmup} warm-up`,
  );
  type Who = Mode | "floor";
  const run = (who: Who, calls: number) =>
    who === "floor" ? floor.roundTrips(calls) : sequentialPings(subjects[who], calls);
  const order: Who[] = [...MODES, "floor"];
  for (const who of order) await run(who, warmup);
  const samples: Record<Who, number[]> = { isolation: [], brownfield: [], floor: [] };
  for (let round = 0; round < rounds; round++) {
    // Each takes each place in turn: isolation, brownfield, floor; then brownfield, floor, isolation; …
    const turn = [...order.slice(round % 3), ...order.slice(0, round % 3)];
    for (const who of turn) samples[who].push(...await run(who, block));
  }
  return { patterns: perMode((mode) => summarize(samples[mode])), floor: summarize(samples.floor) };
}

/** `calls` invokes, `inFlight` at a time; every one must settle with its own number. */
async function burst(
  subject: Subject,
  calls: number,
  inFlight: number,
): Promise<{ rate: number; lost: number }> {
  subject.echoed = 0;
  const result = await subject.app.evaluate(`(async () => {
    const { invoke } = window.__TAURI__.core;
    let next = 0, ok = 0;
    const worker = async () => {
      while (next < ${calls}) {
        const i = next++;
        try {
          if ((await invoke("echo", { i })) === i) ok++;
        } catch {}
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: ${inFlight} }, worker));
    return { ok, ms: performance.now() - started };
  })()`) as { ok: number; ms: number };
  const lost = Math.max(calls - result.ok, calls - subject.echoed);
  return { rate: calls / (result.ms / 1000), lost };
}

async function throughput(subjects: PerMode<Subject>): Promise<ThroughputResult[]> {
  const { inFlight, calls, runs } = PLAN.throughput;
  const rows: ThroughputResult[] = [];
  for (const k of inFlight) {
    log(`throughput: ${runs} runs × ${calls} calls per pattern, ${k} in flight`);
    for (const mode of MODES) await burst(subjects[mode], Math.ceil(calls / 4), k);
    const rates = perMode<number[]>(() => []);
    const lost = perMode(() => 0);
    for (let run = 0; run < runs; run++) {
      for (const mode of inTurn(run)) {
        const result = await burst(subjects[mode], calls, k);
        rates[mode].push(result.rate);
        lost[mode] += result.lost;
      }
    }
    rows.push({ inFlight: k, callsPerRun: calls, rate: perMode((mode) => summarizeRate(rates[mode])), lost });
  }
  return rows;
}

/** What the core receives for one call with these args: isolation's envelope (a string, or for a call
 * packed larger than LARGE_CALL_BYTES the byte envelope the relay POSTs), brownfield's plain call. */
function expectedWire(kind: PayloadKind, size: number): PerMode<number> & { argsBytes: number } {
  const payload = makePayload(kind, size);
  const packed = packMessage({ kind: "invoke", nonce: "0".repeat(32), cmd: "sink", payload, options: null });
  const base64 = (n: number) => 4 * Math.ceil(n / 3);
  const envelope = JSON.stringify({ v: 1, sid: "0".repeat(32), seq: 0, iv: "0".repeat(16), ct: "" });
  const TAG = 16; // AES-GCM's tag
  return {
    argsBytes: payloadBytes(payload),
    // The string envelope's sequence number has varying digits (one digit counted here); the byte
    // envelope's is 4 bytes of its header.
    isolation: packed.byteLength > LARGE_CALL_BYTES
      ? BINARY_HEADER_BYTES + packed.byteLength + TAG
      : envelope.length + base64(packed.byteLength + TAG),
    brownfield: base64(packed.byteLength),
  };
}

async function payloadCalls(
  subject: Subject,
  kind: PayloadKind,
  size: number,
  calls: number,
): Promise<{ samples: number[]; wire: number; lost: number }> {
  subject.arrivals = [];
  subject.lastWire = -1;
  // Two extra calls: the first arrival starts the clock, the first gap is a warm-up.
  const total = calls + 2;
  const result = await subject.app.evaluate(`(async () => {
    const { invoke } = window.__TAURI__.core;
    const makePayload = ${makePayload};
    const payloadCount = ${payloadCount};
    const args = makePayload(${JSON.stringify(kind)}, ${size});
    const expected = payloadCount(args);
    let ok = 0, error = null;
    for (let i = 0; i < ${total}; i++) {
      try {
        if ((await invoke("sink", args)) === expected) ok++;
      } catch (e) {
        error = String(e && e.message || e);
      }
    }
    return { ok, error };
  })()`) as { ok: number; error: string | null };
  if (result.error) log(`${subject.mode} ${sizeName(size)} ${kind}: ${result.error}`);
  return { samples: gaps(subject.arrivals, 1), wire: subject.lastWire, lost: total - result.ok };
}

async function payloadSweep(subjects: PerMode<Subject>): Promise<PayloadResult[]> {
  const plan = (["json", "binary"] as const).flatMap((kind) =>
    PLAN.payload.sizes.map((size, index) => ({ kind, size, calls: PLAN.payload.calls[index] }))
  );
  const out: PayloadResult[] = [];
  for (const [index, { kind, size, calls }] of plan.entries()) {
    log(`payload: ${sizeName(size)} ${kind}, ${calls} calls per pattern`);
    const expected = expectedWire(kind, size);
    const results = perMode(() => ({ samples: [] as number[], wire: -1, lost: 0 }));
    // Two halves in turn, so a slow stretch of the machine does not land on one pattern only.
    for (const [half, mode] of [...inTurn(index), ...inTurn(index + 1)].entries()) {
      const part = await payloadCalls(
        subjects[mode],
        kind,
        size,
        half < 2 ? Math.ceil(calls / 2) : Math.floor(calls / 2),
      );
      results[mode].samples.push(...part.samples);
      results[mode].lost += part.lost;
      if (part.wire >= 0) results[mode].wire = part.wire;
    }
    const measured = results.isolation.wire;
    if (Math.abs(measured - expected.isolation) > 8) {
      log(`warning: isolation envelope ${measured} long, expected about ${expected.isolation}`);
    }
    out.push({
      kind,
      size,
      argsBytes: expected.argsBytes,
      ms: perMode((mode) => summarize(results[mode].samples)),
      wireBytes: { isolation: measured, brownfield: results.brownfield.wire },
      lost: perMode((mode) => results[mode].lost),
    });
  }
  return out;
}

// ---- separate host processes ----

const CHILD_PERMISSIONS = ["--allow-ffi", "--allow-env", "--allow-read", "--allow-write", "--no-prompt"];

/** A spawned tests/bench/host.ts, read line by line. */
class Child {
  readonly process: Deno.ChildProcess;
  #lines: string[] = [];
  #waiting: ((line: string | null) => void) | null = null;
  #ended = false;
  #stderr = "";
  readonly done: Promise<Deno.CommandStatus>;

  constructor(mode: "cold" | "serve", config: string) {
    this.process = new Deno.Command(Deno.execPath(), {
      args: ["run", ...CHILD_PERMISSIONS, HOST, mode, config],
      stdin: mode === "serve" ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reading = this.#read();
    const stderr = new Response(this.process.stderr).text().then((text) => (this.#stderr = text));
    this.done = Promise.all([reading, stderr]).then(() => this.process.status);
  }

  async #read() {
    let buffered = "";
    for await (const chunk of this.process.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        this.#push(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    }
    this.#ended = true;
    this.#waiting?.(null);
  }

  #push(line: string) {
    if (this.#waiting) {
      const waiting = this.#waiting;
      this.#waiting = null;
      waiting(line);
    } else this.#lines.push(line);
  }

  /** The next JSON line the child prints. */
  async next<T>(): Promise<T> {
    const line = this.#lines.shift() ??
      (this.#ended ? null : await new Promise<string | null>((resolve) => (this.#waiting = resolve)));
    if (line === null) {
      await this.done;
      // WebKit's processes print a line about JSC_SIGNAL_FOR_GC that is not the child's problem.
      const stderr = this.#stderr.split("\n").filter((l) => l && !l.includes("JSC_SIGNAL_FOR_GC")).join("\n");
      throw new Error(`the host process ended early: ${stderr || "(no output)"}`);
    }
    return JSON.parse(line) as T;
  }

  async send(request: unknown) {
    const writer = this.process.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(request) + "\n"));
    writer.releaseLock();
  }

  async finish(): Promise<void> {
    const status = await this.done;
    if (!status.success) throw new Error(`the host process failed (${status.code}): ${this.#stderr}`);
  }
}

async function coldStart(configs: PerMode<string>): Promise<PerMode<ColdStartResult>> {
  const { runs } = PLAN.cold;
  log(`cold start: ${runs} process starts per pattern, after one untimed start each`);
  const samples = perMode(() => ({
    total: [] as number[],
    modules: [] as number[],
    launched: [] as number[],
    answered: [] as number[],
  }));
  for (let run = -1; run < runs; run++) {
    for (const mode of inTurn(run + 1)) {
      const started = performance.now();
      const child = new Child("cold", configs[mode]);
      const line = await child.next<{ modulesMs: number; launchedMs: number; answeredMs: number }>();
      const total = performance.now() - started;
      await child.finish();
      if (run < 0) continue; // the first start fills caches (Deno's transpiled modules, the page cache)
      samples[mode].total.push(total);
      samples[mode].modules.push(line.modulesMs);
      samples[mode].launched.push(line.launchedMs);
      samples[mode].answered.push(line.answeredMs);
    }
  }
  return perMode((mode) => ({
    total: summarize(samples[mode].total),
    modules: summarize(samples[mode].modules),
    launched: summarize(samples[mode].launched),
    answered: summarize(samples[mode].answered),
  }));
}

/** Idle CPU over the window, then RSS at checkpoints over many invokes, of one host process. */
async function hostFigures(mode: Mode, config: string): Promise<HostResult> {
  const { invokes, checkpoints, idleSeconds } = PLAN.host;
  log(
    `${mode} host: idle CPU over ${idleSeconds} s, then RSS over ${invokes.toLocaleString("en-US")} invokes`,
  );
  const child = new Child("serve", config);
  const { pid } = await child.next<{ pid: number }>();
  await delay(1000); // let the load settle (late timers, the isolation frame's check after 1 s)
  const before = snapshot(pid);
  await delay(idleSeconds * 1000);
  const after = snapshot(pid);
  const percent = (seconds: number) => (seconds / idleSeconds) * 100;
  const childCpu: Record<string, number> = {};
  for (const process of after.children) {
    const earlier = before.children.find((c) => c.pid === process.pid)?.cpuSeconds ?? 0;
    childCpu[process.name] = (childCpu[process.name] ?? 0) + percent(process.cpuSeconds - earlier);
  }
  const point = (done: number, heap?: { heapUsed: number; heapTotal: number }): MemoryCheckpoint => {
    const now = snapshot(pid);
    return {
      invokes: done,
      hostRss: now.host.rssBytes,
      hostHeapUsed: heap?.heapUsed,
      hostHeapTotal: heap?.heapTotal,
      childrenRss: byName(now.children, "rssBytes"),
    };
  };
  await child.send({ op: "memory" });
  const memory = [point(0, await child.next<{ heapUsed: number; heapTotal: number }>())];
  let lost = 0;
  let ms = 0;
  const chunk = invokes / checkpoints;
  for (let i = 1; i <= checkpoints; i++) {
    await child.send({ op: "invoke", n: chunk, inFlight: 16 });
    const result = await child.next<{ ok: number; ms: number; heapUsed: number; heapTotal: number }>();
    lost += chunk - result.ok;
    ms += result.ms;
    memory.push(point(i * chunk, result));
  }
  await child.send({ op: "quit" });
  await child.finish();
  return {
    idleCpuPercent: percent(after.host.cpuSeconds - before.host.cpuSeconds),
    idleChildrenCpuPercent: childCpu,
    idleSeconds,
    memory,
    lost,
    rate: invokes / (ms / 1000),
  };
}

// ---- facts, files ----

async function git(...gitArgs: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", {
      args: ["-C", ROOT, ...gitArgs],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

async function publish(results: BenchResults) {
  await updateDocs(DOCS_FILE, results);
  await updateReadme(README_FILE, results);
  // Tables and all exactly as the repository's formatter wants them.
  const files = [DOCS_FILE, README_FILE];
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", ...files], cwd: ROOT }).output();
  log(`wrote ${files.join(" and ")}`);
}

// ---- the run ----

const startedAt = performance.now();
const loadBefore = loadAverage();
const machine = machineFacts();
const commit = (await git("rev-parse", "--short", "HEAD")) ?? "unknown";
const dirty = ((await git("status", "--porcelain", "--untracked-files=no")) ?? "") !== "";
log(
  `${QUICK ? "quick" : "full"} run on ${machine.cpu}, ${machine.cores} cores; commit ${commit}${
    dirty ? "+" : ""
  }`,
);

const phases: PhaseLoad[] = [];
/** Runs one phase and notes how busy the rest of the machine was meanwhile. */
async function phase<T>(name: string, run: () => Promise<T>): Promise<T> {
  const before = cpuClock();
  const result = await run();
  phases.push({ phase: name, ...otherLoad(before, cpuClock()) });
  return result;
}

const subjects = {} as PerMode<Subject>;
for (const mode of MODES) subjects[mode] = await open(mode);
const floor = await EchoFloor.open();
let roundTrips: { patterns: PerMode<Summary>; floor: Summary };
let rates: ThroughputResult[], payload: PayloadResult[];
try {
  roundTrips = await phase("small round trip", () => roundTrip(subjects, floor));
  await floor.close();
  rates = await phase("throughput", () => throughput(subjects));
  payload = await phase("payload sweep", () => payloadSweep(subjects));
} finally {
  await floor.close();
  for (const mode of MODES) await subjects[mode].app.close();
}

const configPaths: PerMode<string> = {
  isolation: await configFor("isolation"),
  brownfield: await configFor("brownfield"),
};
const cold = await phase("cold start", () => coldStart(configPaths));
const host = {} as PerMode<HostResult>;
for (const mode of MODES) {
  host[mode] = await phase(`${mode} host: idle CPU, memory`, () => hostFigures(mode, configPaths[mode]));
}

const partial: Omit<BenchResults, "targets"> = {
  schema: 2,
  date: new Date().toISOString(),
  commit,
  dirty,
  quick: QUICK,
  seconds: (performance.now() - startedAt) / 1000,
  machine,
  loadBefore,
  loadAfter: loadAverage(),
  phases,
  hook: PASS_THROUGH,
  roundTrip: roundTrips.patterns,
  roundTripFloor: roundTrips.floor,
  throughput: rates,
  payload,
  coldStart: cold,
  host,
};
const results: BenchResults = { ...partial, targets: judgeTargets(partial) };

await Deno.mkdir(RESULTS_DIR, { recursive: true });
const name = `${results.date.slice(0, 10)}-${commit}${dirty ? "-dirty" : ""}${QUICK ? "-quick" : ""}.json`;
const json = JSON.stringify(results, null, 2) + "\n";
await Deno.writeTextFile(`${RESULTS_DIR}/${name}`, json);
if (!QUICK) await Deno.writeTextFile(`${RESULTS_DIR}/latest.json`, json);
log(`wrote bench-results/${name}${QUICK ? "" : " and bench-results/latest.json"}`);

console.log(`\n${renderMachine(results)}\n\n${renderTables(results)}`);
if (DOCS) await publish(results);
