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
  schema: 1;
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

/** The issue's targets, judged against the measured figures (reported, not asserted). */
export function judgeTargets(results: Omit<BenchResults, "targets">): TargetResult[] {
  const iso = results.roundTrip.isolation;
  const bf = results.roundTrip.brownfield;
  const targets: TargetResult[] = [];
  targets.push({
    name: "isolated small round trip, p50",
    target: "≤ 0.5 ms",
    measured: ms(iso.p50),
    pass: iso.p50 <= 0.5,
  });
  targets.push({
    name: "isolation vs brownfield, small round trip p50",
    target: "≤ 1.5×",
    measured: ratio(iso.p50, bf.p50),
    pass: iso.p50 / bf.p50 <= 1.5,
  });
  // One call at a time is bounded by the round trip (1 / 0.5 ms = 2,000/s at the round-trip target), so the
  // throughput target is for calls in flight together.
  for (const row of results.throughput.filter((row) => row.inFlight > 1)) {
    targets.push({
      name: `isolated invokes/s, ${row.inFlight} in flight, p50`,
      target: "≥ 5,000/s",
      measured: rate(row.rate.isolation.p50),
      pass: row.rate.isolation.p50 >= 5000,
    });
  }
  const lost = results.throughput.reduce((sum, row) => sum + row.lost.isolation + row.lost.brownfield, 0) +
    results.payload.reduce((sum, row) => sum + row.lost.isolation + row.lost.brownfield, 0) +
    results.host.isolation.lost + results.host.brownfield.lost;
  targets.push({
    name: "every call settled with its own answer (throughput, payload and memory runs)",
    target: "0 lost",
    measured: `${lost} lost`,
    pass: lost === 0,
  });
  const mib = results.payload.find((row) => row.kind === "binary" && row.size === 1024 * 1024);
  if (mib) {
    targets.push({
      name: "isolated 1 MiB binary round trip, p50",
      target: "≤ 10 ms",
      measured: ms(mib.ms.isolation.p50),
      pass: mib.ms.isolation.p50 <= 10,
    });
  }
  const cold = results.coldStart.isolation.total.p50;
  targets.push({
    name: "isolated cold start (spawn → first answer), p50",
    target: "≤ 0.3 s",
    measured: ms(cold),
    pass: cold <= 300,
  });
  const idle = results.host.isolation.idleCpuPercent;
  targets.push({
    name: `isolated host idle CPU over ${results.host.isolation.idleSeconds} s`,
    target: "≤ 1 %",
    measured: percent(idle),
    pass: idle <= 1,
  });
  for (const mode of ["isolation", "brownfield"] as const) {
    const flat = rssFlatness(results.host[mode]);
    targets.push({
      name: `${mode}: RSS flat over ${
        flat.invokes.toLocaleString("en-US")
      } invokes (host and WebKit processes)`,
      target: "second half grows ≤ 5 %",
      measured: flat.text,
      pass: flat.pass,
    });
  }
  return targets;
}

/**
 * "Flat": what the second half of the invokes added (the midpoint checkpoint to the last one), for the host
 * and for each WebKit process, is at most 5 % of that process's RSS at the midpoint. The first half is left
 * out because it includes warm-up (JIT code, caches, heap sizing); a leak keeps growing in the second half.
 */
export function rssFlatness(host: HostResult): { invokes: number; pass: boolean; text: string } {
  const points = host.memory;
  const last = points[points.length - 1];
  const middle = points.reduce((best, point) =>
    Math.abs(point.invokes - last.invokes / 2) < Math.abs(best.invokes - last.invokes / 2) ? point : best
  );
  const growths: { name: string; delta: number; base: number }[] = [
    { name: "host", delta: last.hostRss - middle.hostRss, base: middle.hostRss },
  ];
  for (const name of Object.keys(last.childrenRss)) {
    const base = middle.childrenRss[name] ?? 0;
    growths.push({ name, delta: last.childrenRss[name] - base, base });
  }
  const pass = growths.every((g) => g.delta <= 0.05 * g.base);
  const signed = (value: number) => `${value >= 0 ? "+" : "−"}${bytes(Math.abs(value))}`;
  const text = growths.map((g) => `${g.name} ${signed(g.delta)}`).join(", ") +
    ` (${middle.invokes.toLocaleString("en-US")} → ${last.invokes.toLocaleString("en-US")})`;
  return { invokes: last.invokes, pass, text };
}

// ---- rendering ----

export function renderTables(results: BenchResults): string {
  const out: string[] = [];
  const row = (
    figure: string,
    iso: Summary,
    bf: Summary,
    format: (value: number) => string,
    target = "",
    pass: boolean | null = null,
  ) => [
    figure,
    format(iso.p50),
    format(iso.p99),
    format(bf.p50),
    format(bf.p99),
    ratio(iso.p50, bf.p50),
    target,
    verdict(pass),
  ];
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
      "≤ 0.5 ms; ≤ 1.5× brownfield",
      rt.isolation.p50 <= 0.5 && rt.isolation.p50 / rt.brownfield.p50 <= 1.5,
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
      t.inFlight > 1 ? "≥ 5,000/s" : "",
      t.inFlight > 1 ? t.rate.isolation.p50 >= 5000 && lost === 0 : null,
    ));
  }
  for (const p of results.payload) {
    const isTarget = p.kind === "binary" && p.size === 1024 * 1024;
    main.push(row(
      `${sizeName(p.size)} ${
        p.kind === "json" ? "JSON" : "binary"
      } args, round trip (${p.ms.isolation.n} calls)`,
      p.ms.isolation,
      p.ms.brownfield,
      ms,
      isTarget ? "≤ 10 ms" : "",
      isTarget ? p.ms.isolation.p50 <= 10 : null,
    ));
  }
  const cold = results.coldStart;
  main.push(row(
    `cold start: spawn → first invoke answered (${cold.isolation.total.n} runs)`,
    cold.isolation.total,
    cold.brownfield.total,
    ms,
    "≤ 0.3 s",
    cold.isolation.total.p50 <= 300,
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
  main.push(row(
    `host idle CPU, window open, ${idle.isolation.idleSeconds} s`,
    one(idle.isolation.idleCpuPercent),
    one(idle.brownfield.idleCpuPercent),
    percent,
    "≤ 1 %",
    idle.isolation.idleCpuPercent <= 1,
  ));
  for (
    const [label, pick] of [
      ["host RSS after start", (h: HostResult) => h.memory[0].hostRss],
      [
        `host RSS after ${idle.isolation.memory.at(-1)!.invokes.toLocaleString("en-US")} invokes`,
        (h: HostResult) => h.memory.at(-1)!.hostRss,
      ],
    ] as const
  ) {
    main.push(row(label, one(pick(idle.isolation)), one(pick(idle.brownfield)), bytes));
  }
  out.push(table(head, main));

  out.push(
    "\n**Payload on the wire** (the string the core receives for one call)\n",
  );
  out.push(table(
    ["args", "args size", "isolation wire", "× args", "brownfield wire", "× args", "lost"],
    results.payload.map((p) => [
      `${sizeName(p.size)} ${p.kind === "json" ? "JSON" : "binary"}`,
      bytes(p.argsBytes),
      exact(p.wireBytes.isolation),
      ratio(p.wireBytes.isolation, p.argsBytes),
      exact(p.wireBytes.brownfield),
      ratio(p.wireBytes.brownfield, p.argsBytes),
      String(p.lost.isolation + p.lost.brownfield),
    ]),
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

  out.push("\n**Targets**\n");
  out.push(table(
    ["target", "goal", "measured", "verdict"],
    results.targets.map((t) => [t.name, t.target, t.measured, verdict(t.pass)]),
  ));
  return out.join("\n");
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

/** Replaces the generated part of docs/bench.md (creating the file if missing), keeping the prose around it. */
export async function updateDocs(file: string, results: BenchResults): Promise<void> {
  const generated = `${BEGIN}\n\n${renderMachine(results)}\n\n${renderTables(results)}\n\n${END}`;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    text = `# Benchmark\n\n${BEGIN}\n${END}\n`;
  }
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${BEGIN} … ${END} markers`);
  await Deno.writeTextFile(file, text.slice(0, start) + generated + text.slice(end + END.length));
}
