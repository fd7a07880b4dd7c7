// The benchmark's results file (bench-results/*.json) and its rendering as Markdown tables: printed by
// `deno task bench`, and written between the markers of docs/bench.md with --docs.
import type { MachineFacts } from "./proc.ts";
import type { Summary } from "./stats.ts";

export type Mode = "isolation" | "brownfield";
export type PerMode<T> = Record<Mode, T>;

export interface ThroughputResult {
  inFlight: number;
  callsPerRun: number;
  /** invokes/s per run; p99 is the slow end (the rate 99 % of runs reached). */
  rate: PerMode<Summary>;
  /** Calls that did not settle with their own answer, over all runs (expected: 0). */
  lost: PerMode<number>;
}

export interface PayloadResult {
  kind: "json" | "binary";
  size: number;
  /** The args' own size: JSON text length, or byte length. */
  argsBytes: number;
  /** Round trip of one call carrying the args (the answer is a number), ms. */
  ms: PerMode<Summary>;
  /** The string the core receives for one call (launch's `tap`): the sealed envelope, or brownfield's
   * packed call in base64. */
  wireBytes: PerMode<number>;
  lost: PerMode<number>;
}

export interface MemoryCheckpoint {
  invokes: number;
  hostRss: number;
  /** The host's V8 heap (Deno.memoryUsage, no forced GC): its capacity grows in steps that show in RSS. */
  hostHeapUsed?: number;
  hostHeapTotal?: number;
  /** executable name → RSS summed over its processes */
  childrenRss: Record<string, number>;
}

export interface HostResult {
  /** Host process CPU over the idle window, percent of one core. */
  idleCpuPercent: number;
  /** The WebKit processes' CPU over the same window, percent of one core each. */
  idleChildrenCpuPercent: Record<string, number>;
  idleSeconds: number;
  memory: MemoryCheckpoint[];
  lost: number;
  /** Invokes/s of the 100,000-invoke run (16 in flight), for reference. */
  rate: number;
}

export interface ColdStartResult {
  /** Before spawn → the first invoke's answer printed, ms. */
  total: Summary;
  /** Inside the child, ms since its time origin: runtime + modules loaded, launch() settled, answered. */
  modules: Summary;
  launched: Summary;
  answered: Summary;
}

/** How busy the rest of the machine was while a phase ran (see proc.ts otherLoad). */
export interface PhaseLoad {
  phase: string;
  seconds: number;
  otherCores: number;
  stealCores: number;
}

export interface BenchResults {
  /** 2: with roundTripFloor; 1: without. */
  schema: 1 | 2;
  date: string;
  commit: string;
  dirty: boolean;
  quick: boolean;
  seconds: number;
  machine: MachineFacts;
  loadBefore: number[];
  loadAfter: number[];
  phases: PhaseLoad[];
  hook: string;
  roundTrip: PerMode<Summary>;
  /** The bare script-message echo on the same binding, no Airlock code (tests/bench/floor.ts), timed like
   * the small round trip in the same rounds. Missing from schema 1 files. */
  roundTripFloor?: Summary;
  throughput: ThroughputResult[];
  payload: PayloadResult[];
  coldStart: PerMode<ColdStartResult>;
  host: PerMode<HostResult>;
  targets: TargetResult[];
}

export interface TargetResult {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
  /** The figure it is printed beside in the tables (see FIGURE), and how it reads there. */
  figure?: string;
  brief?: string;
}

// ---- formatting ----

export function ms(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (value < 1) return `${value.toFixed(3)} ms`;
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 1000) return `${value.toFixed(1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

export function rate(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value).toLocaleString("en-US")}/s` : "—";
}

export function bytes(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  if (value < 1024 ** 3) return `${(value / 1024 / 1024).toFixed(1)} MiB`;
  return `${(value / 1024 ** 3).toFixed(1)} GiB`;
}

/** Exact byte count, grouped: 1,398,397 B. */
export function exact(value: number): string {
  return Number.isFinite(value) ? `${value.toLocaleString("en-US")} B` : "—";
}

export function sizeName(value: number): string {
  return value >= 1024 * 1024 ? `${value / 1024 / 1024} MiB` : `${value / 1024} KiB`;
}

const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "—");
const percent = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)} %` : "—");
const verdict = (pass: boolean | null) => (pass === null ? "" : pass ? "**pass**" : "**miss**");

/** A Markdown table, its columns padded as `deno fmt` pads them, so it reads as well in a terminal. */
function table(head: string[], rows: string[][]): string {
  const widths = head.map((cell, i) => Math.max(3, cell.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}

// ---- targets ----

const MIB = 1024 * 1024;
/** Issue 16's targets. */
export const GOALS = {
  roundTripP50Ms: 0.5,
  roundTripP99Ms: 1.5,
  isolationOverBrownfield: 1.3,
  brownfieldOverFloor: 1.15,
  invokesPerSecond: 8000,
  inFlight: 16,
  binaryMs: { [MIB]: 8, [8 * MIB]: 60 } as Record<number, number>,
  wireOverArgs: 1.4,
  coldStartMs: 300,
  totalRssMib: 380,
  /** Of a process's RSS at the midpoint, what the second half of the invokes may add. */
  flatGrowth: 0.05,
  idleCpuPercent: 0.5,
};

/** Keys of the figures a target is printed beside. */
export const FIGURE = {
  roundTrip: "round trip",
  floor: "floor",
  throughput: (inFlight: number) => `throughput ${inFlight}`,
  payload: (kind: string, size: number) => `payload ${kind} ${size}`,
  wire: "wire",
  cold: "cold start",
  idleCpu: "idle CPU",
  rssStart: "RSS after start",
  rssEnd: "RSS after invokes",
};

/** Calls that go as the byte envelope (packed above 64 KiB): their wire is judged against their size. */
export const judgedWire = (p: PayloadResult) => p.size >= 64 * 1024;
const wireOk = (p: PayloadResult) => p.wireBytes.isolation / p.argsBytes <= GOALS.wireOverArgs;

/** RSS of the host and all its WebKit processes at one checkpoint. */
export const totalRss = (point: MemoryCheckpoint) =>
  point.hostRss + Object.values(point.childrenRss).reduce((sum, value) => sum + value, 0);

/** CPU of the host and all its WebKit processes over the idle window, percent of one core. */
export const totalIdleCpu = (host: HostResult) =>
  host.idleCpuPercent + Object.values(host.idleChildrenCpuPercent).reduce((sum, value) => sum + value, 0);

const payloadName = (p: PayloadResult) => `${sizeName(p.size)} ${p.kind === "json" ? "JSON" : "binary"}`;

/** Issue 16's targets, judged against the measured figures (reported, not asserted). */
export function judgeTargets(results: Omit<BenchResults, "targets">): TargetResult[] {
  const iso = results.roundTrip.isolation;
  const bf = results.roundTrip.brownfield;
  const targets: TargetResult[] = [];
  const add = (target: TargetResult) => targets.push(target);
  /** A figure that must be at most `goal` (in `unit`), printed beside `figure` as `brief`. */
  const atMost = (
    figure: string,
    name: string,
    value: number,
    goal: number,
    unit: string,
    measured: string,
    brief = `≤ ${goal}${unit}`,
  ) => add({ name, target: `≤ ${goal}${unit}`, measured, pass: value <= goal, figure, brief });
  const times = (value: number) => `${value.toFixed(2)}×`;
  atMost(
    FIGURE.roundTrip,
    "isolated small round trip, p50",
    iso.p50,
    GOALS.roundTripP50Ms,
    " ms",
    ms(iso.p50),
    `p50 ≤ ${GOALS.roundTripP50Ms} ms`,
  );
  atMost(
    FIGURE.roundTrip,
    "isolated small round trip, p99",
    iso.p99,
    GOALS.roundTripP99Ms,
    " ms",
    ms(iso.p99),
    `p99 ≤ ${GOALS.roundTripP99Ms} ms`,
  );
  atMost(
    FIGURE.roundTrip,
    "isolation / brownfield, small round trip p50 (same run)",
    iso.p50 / bf.p50,
    GOALS.isolationOverBrownfield,
    "×",
    times(iso.p50 / bf.p50),
    `≤ ${GOALS.isolationOverBrownfield}× brownfield`,
  );
  const floor = results.roundTripFloor;
  if (floor) {
    atMost(
      FIGURE.floor,
      "brownfield / bare script-message echo, small round trip p50 (same run)",
      bf.p50 / floor.p50,
      GOALS.brownfieldOverFloor,
      "×",
      `${times(bf.p50 / floor.p50)} (${ms(bf.p50)} / ${ms(floor.p50)})`,
      `brownfield ≤ ${GOALS.brownfieldOverFloor}× the floor`,
    );
  }
  const busy = results.throughput.find((row) => row.inFlight === GOALS.inFlight);
  if (busy) {
    add({
      name: `isolated invokes/s, ${busy.inFlight} in flight, p50; none lost`,
      target: `≥ ${rate(GOALS.invokesPerSecond)}, 0 lost`,
      measured: `${rate(busy.rate.isolation.p50)}, ${busy.lost.isolation} lost`,
      pass: busy.rate.isolation.p50 >= GOALS.invokesPerSecond && busy.lost.isolation === 0,
      figure: FIGURE.throughput(busy.inFlight),
      brief: `≥ ${rate(GOALS.invokesPerSecond)}, 0 lost`,
    });
  }
  for (const p of results.payload) {
    const goal = p.kind === "binary" ? GOALS.binaryMs[p.size] : undefined;
    const value = p.ms.isolation.p50;
    if (goal !== undefined) {
      atMost(
        FIGURE.payload(p.kind, p.size),
        `isolated ${payloadName(p)} round trip, p50`,
        value,
        goal,
        " ms",
        ms(value),
      );
    }
  }
  const wired = results.payload.filter(judgedWire);
  if (wired.length) {
    const worst = wired.reduce((a, b) =>
      b.wireBytes.isolation / b.argsBytes > a.wireBytes.isolation / a.argsBytes ? b : a
    );
    add({
      name: `isolation's wire / args, calls of ${sizeName(wired[0].size)} and more (largest ratio)`,
      target: `≤ ${GOALS.wireOverArgs}×`,
      measured: `${ratio(worst.wireBytes.isolation, worst.argsBytes)} (${payloadName(worst)})`,
      pass: wired.every(wireOk),
      figure: FIGURE.wire,
    });
  }
  for (const p of results.payload.filter((p) => p.kind === "json" && p.size >= MIB)) {
    const value = p.ms.isolation.p50 / p.ms.brownfield.p50;
    atMost(
      FIGURE.payload(p.kind, p.size),
      `isolated ${payloadName(p)} round trip / brownfield's, p50 (no slower)`,
      value,
      1,
      "×",
      times(value),
      "≤ 1× brownfield",
    );
  }
  const cold = results.coldStart.isolation.total.p50;
  atMost(
    FIGURE.cold,
    "isolated cold start (spawn → first answer), p50",
    cold,
    GOALS.coldStartMs,
    " ms",
    ms(cold),
  );
  const host = results.host.isolation;
  const started = totalRss(host.memory[0]);
  atMost(
    FIGURE.rssStart,
    "isolation: total RSS after start (host + WebKit processes)",
    started / MIB,
    GOALS.totalRssMib,
    " MiB",
    bytes(started),
  );
  const flat = rssFlatness(host);
  add({
    name: `isolation: total RSS flat over ${flat.invokes.toLocaleString("en-US")} invokes`,
    target: `second half adds ≤ ${GOALS.flatGrowth * 100} %`,
    measured: flat.text,
    pass: flat.pass,
    figure: FIGURE.rssEnd,
    brief: `flat: second half ≤ +${GOALS.flatGrowth * 100} %`,
  });
  const idle = totalIdleCpu(host);
  atMost(
    FIGURE.idleCpu,
    `isolation: idle CPU, window open, ${host.idleSeconds} s (host + WebKit processes)`,
    idle,
    GOALS.idleCpuPercent,
    " %",
    percent(idle),
  );
  const lost = results.throughput.reduce((sum, row) => sum + row.lost.isolation + row.lost.brownfield, 0) +
    results.payload.reduce((sum, row) => sum + row.lost.isolation + row.lost.brownfield, 0) +
    results.host.isolation.lost + results.host.brownfield.lost;
  add({
    name: "every call settled with its own answer (throughput, payload and memory runs, both patterns)",
    target: "0 lost",
    measured: `${lost} lost`,
    pass: lost === 0,
  });
  return targets;
}

/** The targets printed beside one figure: their goals, and pass only if all pass (null: none). */
function beside(results: BenchResults, figure: string): { target: string; pass: boolean | null } {
  const mine = results.targets.filter((t) => t.figure === figure);
  return {
    target: mine.map((t) => t.brief ?? t.target).join("; "),
    pass: mine.length ? mine.every((t) => t.pass) : null,
  };
}

/**
 * "Flat": what the second half of the invokes added (the midpoint checkpoint to the last one) to the total
 * RSS of the host and its WebKit processes is at most 5 % of that total at the midpoint. The first half is
 * left out because it includes warm-up (JIT code, caches, heap sizing); a leak keeps growing in the second
 * half. Each process's share is shown.
 */
export function rssFlatness(host: HostResult): { invokes: number; pass: boolean; text: string } {
  const points = host.memory;
  const last = points[points.length - 1];
  const middle = points.reduce((best, point) =>
    Math.abs(point.invokes - last.invokes / 2) < Math.abs(best.invokes - last.invokes / 2) ? point : best
  );
  const growths: { name: string; delta: number }[] = [{ name: "host", delta: last.hostRss - middle.hostRss }];
  for (const name of Object.keys(last.childrenRss)) {
    growths.push({ name, delta: last.childrenRss[name] - (middle.childrenRss[name] ?? 0) });
  }
  const base = totalRss(middle);
  const delta = totalRss(last) - base;
  const signed = (value: number) => `${value >= 0 ? "+" : "−"}${bytes(Math.abs(value))}`;
  const share = `${delta >= 0 ? "+" : "−"}${Math.abs(delta / base * 100).toFixed(1)} %`;
  const text = `total ${signed(delta)} (${share}: ` +
    growths.map((g) => `${g.name} ${signed(g.delta)}`).join(", ") +
    `), ${middle.invokes.toLocaleString("en-US")} → ${last.invokes.toLocaleString("en-US")}`;
  return { invokes: last.invokes, pass: delta <= GOALS.flatGrowth * base, text };
}

// ---- rendering ----

export function renderTables(results: BenchResults): string {
  const out: string[] = [];
  const row = (
    figure: string,
    iso: Summary,
    bf: Summary,
    format: (value: number) => string,
    key?: string,
  ) => {
    const judged = key ? beside(results, key) : { target: "", pass: null };
    return [
      figure,
      format(iso.p50),
      format(iso.p99),
      format(bf.p50),
      format(bf.p99),
      ratio(iso.p50, bf.p50),
      judged.target,
      verdict(judged.pass),
    ];
  };
  const head = [
    "figure",
    "isolation p50",
    "isolation p99",
    "brownfield p50",
    "brownfield p99",
    "ratio (p50)",
    "target",
    "verdict",
  ];

  const rt = results.roundTrip;
  const main: string[][] = [
    row(
      `small invoke round trip, sequential (${rt.isolation.n.toLocaleString("en-US")} calls)`,
      rt.isolation,
      rt.brownfield,
      ms,
      FIGURE.roundTrip,
    ),
  ];
  for (const t of results.throughput) {
    const lost = t.lost.isolation + t.lost.brownfield;
    main.push(row(
      `invokes/s, ${t.inFlight} in flight (${t.rate.isolation.n} runs × ${
        t.callsPerRun.toLocaleString("en-US")
      }, ${lost} lost)`,
      t.rate.isolation,
      t.rate.brownfield,
      rate,
      FIGURE.throughput(t.inFlight),
    ));
  }
  for (const p of results.payload) {
    main.push(row(
      `${payloadName(p)} args, round trip (${p.ms.isolation.n} calls)`,
      p.ms.isolation,
      p.ms.brownfield,
      ms,
      FIGURE.payload(p.kind, p.size),
    ));
  }
  const cold = results.coldStart;
  main.push(row(
    `cold start: spawn → first invoke answered (${cold.isolation.total.n} runs)`,
    cold.isolation.total,
    cold.brownfield.total,
    ms,
    FIGURE.cold,
  ));
  const idle = results.host;
  const one = (value: number): Summary => ({
    n: 1,
    p50: value,
    p99: NaN,
    min: value,
    max: value,
    mean: value,
  });
  const perHost = (
    label: string,
    pick: (h: HostResult) => number,
    format: (value: number) => string,
    key?: string,
  ) => main.push(row(label, one(pick(idle.isolation)), one(pick(idle.brownfield)), format, key));
  const invokes = idle.isolation.memory.at(-1)!.invokes.toLocaleString("en-US");
  perHost(`host idle CPU, window open, ${idle.isolation.idleSeconds} s`, (h) => h.idleCpuPercent, percent);
  perHost(
    `idle CPU, host + WebKit processes, ${idle.isolation.idleSeconds} s`,
    totalIdleCpu,
    percent,
    FIGURE.idleCpu,
  );
  perHost("host RSS after start", (h) => h.memory[0].hostRss, bytes);
  perHost(`host RSS after ${invokes} invokes`, (h) => h.memory.at(-1)!.hostRss, bytes);
  perHost(
    "total RSS after start, host + WebKit processes",
    (h) => totalRss(h.memory[0]),
    bytes,
    FIGURE.rssStart,
  );
  perHost(
    `total RSS after ${invokes} invokes, host + WebKit processes`,
    (h) => totalRss(h.memory.at(-1)!),
    bytes,
    FIGURE.rssEnd,
  );
  out.push(table(head, main));

  const floor = results.roundTripFloor;
  if (floor) {
    out.push(
      "\n**The small round trip against its floor** (a bare script-message echo on the same binding, no " +
        "Airlock code, in the same rounds)\n",
    );
    const judged = beside(results, FIGURE.floor);
    out.push(table(
      ["round trip", "p50", "p99", "× floor (p50)", "target", "verdict"],
      [
        ["bare script-message echo", floor, "", null],
        ["brownfield invoke", rt.brownfield, judged.target, judged.pass],
        ["isolated invoke", rt.isolation, "", null],
      ].map(([name, s, target, pass]) => {
        const summary = s as Summary;
        return [
          `${name} (${summary.n.toLocaleString("en-US")} calls)`,
          ms(summary.p50),
          ms(summary.p99),
          ratio(summary.p50, floor.p50),
          target as string,
          verdict(pass as boolean | null),
        ];
      }),
    ));
  }

  out.push(
    "\n**Payload on the wire** (what the core receives for one call: isolation's sealed envelope — a string, " +
      "or above 64 KiB packed the byte envelope the relay POSTs — and brownfield's packed call in base64)\n",
  );
  out.push(table(
    [
      "args",
      "args size",
      "isolation wire",
      "× args",
      "target",
      "verdict",
      "brownfield wire",
      "× args",
      "lost",
    ],
    results.payload.map((p) => {
      const judged = judgedWire(p);
      return [
        payloadName(p),
        bytes(p.argsBytes),
        exact(p.wireBytes.isolation),
        ratio(p.wireBytes.isolation, p.argsBytes),
        judged ? `≤ ${GOALS.wireOverArgs}×` : "",
        verdict(judged ? wireOk(p) : null),
        exact(p.wireBytes.brownfield),
        ratio(p.wireBytes.brownfield, p.argsBytes),
        String(p.lost.isolation + p.lost.brownfield),
      ];
    }),
  ));

  out.push("\n**Cold start, inside the child** (ms since its time origin, p50)\n");
  out.push(table(
    ["phase", "isolation", "brownfield"],
    [
      ["runtime + modules loaded", ms(cold.isolation.modules.p50), ms(cold.brownfield.modules.p50)],
      ["launch() settled (page loaded)", ms(cold.isolation.launched.p50), ms(cold.brownfield.launched.p50)],
      ["first invoke answered", ms(cold.isolation.answered.p50), ms(cold.brownfield.answered.p50)],
      ["spawn → answer read by the parent", ms(cold.isolation.total.p50), ms(cold.brownfield.total.p50)],
    ],
  ));

  out.push("\n**Memory (RSS) of the host and its WebKit processes, by invokes done** (16 in flight)\n");
  const names = [
    ...new Set(
      Object.values(results.host).flatMap((h) => h.memory.flatMap((m) => Object.keys(m.childrenRss))),
    ),
  ]
    .sort();
  const memoryRows: string[][] = [];
  for (const mode of ["isolation", "brownfield"] as const) {
    for (const point of results.host[mode].memory) {
      memoryRows.push([
        mode,
        point.invokes.toLocaleString("en-US"),
        bytes(point.hostRss),
        point.hostHeapTotal === undefined
          ? "—"
          : `${bytes(point.hostHeapUsed ?? NaN)} / ${bytes(point.hostHeapTotal)}`,
        ...names.map((name) => bytes(point.childrenRss[name] ?? NaN)),
      ]);
    }
  }
  out.push(table(["pattern", "invokes", "host", "host V8 heap used / total", ...names], memoryRows));
  out.push(
    `\nIdle CPU of the WebKit processes over the same ${idle.isolation.idleSeconds} s: ` +
      (["isolation", "brownfield"] as const).map((mode) =>
        `${mode} ${
          Object.entries(results.host[mode].idleChildrenCpuPercent).map(([name, value]) =>
            `${name} ${percent(value)}`
          )
            .join(", ")
        }`
      ).join("; ") + ".",
  );

  out.push(
    `\n**Other load on the machine** (CPU cores kept busy by other processes, and taken by the hypervisor, ` +
      `on average over each phase, of ${results.machine.cores})\n`,
  );
  out.push(table(
    ["phase", "duration", "other processes", "steal"],
    (results.phases ?? []).map((p) => [
      p.phase,
      `${p.seconds.toFixed(0)} s`,
      p.otherCores.toFixed(2),
      p.stealCores.toFixed(2),
    ]),
  ));

  out.push("\n**Targets** (issue 16's)\n");
  out.push(targetsTable(results));
  return out.join("\n");
}

function targetsTable(results: BenchResults): string {
  return table(
    ["target", "goal", "measured", "verdict"],
    results.targets.map((t) => [t.name, t.target, t.measured, verdict(t.pass)]),
  );
}

export function renderMachine(results: BenchResults): string {
  const m = results.machine;
  return [
    `- CPU: ${m.cpu}, ${m.cores} logical cores${m.virtualized ? " (virtual machine)" : ""}`,
    `- RAM: ${bytes(m.ramBytes)}`,
    `- Kernel: Linux ${m.kernel}`,
    `- Deno ${m.deno} (V8 ${m.v8}); WebKitGTK ${m.webkitgtk}; GTK ${m.gtk}`,
    `- Display: ${m.display}`,
    `- Load average (1/5/15 min) before: ${results.loadBefore.join(" / ")}; after: ${
      results.loadAfter.join(" / ")
    }`,
    `- Commit ${results.commit}${results.dirty ? " (with uncommitted changes)" : ""}, ${results.date}, ` +
    `${results.quick ? "quick" : "full"} run, ${Math.round(results.seconds)} s`,
  ].join("\n");
}

const BEGIN = "<!-- bench:begin (written by `deno task bench --docs`) -->";
const END = "<!-- bench:end -->";

/** The README's part: the run's machine in a line, and the targets table. */
export function renderSummary(results: BenchResults): string {
  const m = results.machine;
  const busiest = Math.max(0, ...(results.phases ?? []).map((p) => p.otherCores));
  return [
    `Latest ${results.quick ? "quick" : "full"} run: ${m.cpu}, ${m.cores} logical cores` +
    `${m.virtualized ? " (virtual machine)" : ""}, ${
      bytes(m.ramBytes)
    }, Linux ${m.kernel}, Deno ${m.deno}, ` +
    `WebKitGTK ${m.webkitgtk}, ${m.display}; commit \`${results.commit}\`` +
    `${results.dirty ? " with uncommitted changes" : ""}, ${
      results.date.slice(0, 10)
    }. Other processes kept ` +
    `up to ${busiest.toFixed(2)} of ${m.cores} cores busy in a phase (load average ${
      results.loadBefore[0]
    } before, ${results.loadAfter[0]} after): compare ratios within the run.`,
    "",
    targetsTable(results),
  ].join("\n");
}

/** Replaces the generated part of docs/bench.md (creating the file if missing), keeping the prose around it. */
export async function updateDocs(file: string, results: BenchResults): Promise<void> {
  await replaceGenerated(file, `${renderMachine(results)}\n\n${renderTables(results)}`, "# Benchmark");
}

/** Replaces the generated benchmark table of the README, keeping the rest of it. */
export async function updateReadme(file: string, results: BenchResults): Promise<void> {
  await replaceGenerated(file, renderSummary(results));
}

async function replaceGenerated(file: string, body: string, title?: string): Promise<void> {
  const generated = `${BEGIN}\n\n${body}\n\n${END}`;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (title === undefined) throw error;
    text = `${title}\n\n${BEGIN}\n${END}\n`;
  }
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${BEGIN} … ${END} markers`);
  await Deno.writeTextFile(file, text.slice(0, start) + generated + text.slice(end + END.length));
}
