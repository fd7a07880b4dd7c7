// What the benchmark reads from /proc: memory and CPU time of a host process and of the WebKit processes it
// started (found by parent pid), and the facts of the machine the figures came from.

const libc = Deno.dlopen("libc.so.6", { sysconf: { parameters: ["i32"], result: "i64" } }).symbols;
const SC_CLK_TCK = 2;
/** Clock ticks per second of utime/stime in /proc/<pid>/stat. */
export const CLOCK_TICKS = Number(libc.sysconf(SC_CLK_TCK)) || 100;

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** Executable's base name from the command line (comm is cut at 15 characters). */
  name: string;
  rssBytes: number;
  /** utime + stime, in seconds. */
  cpuSeconds: number;
}

function readStat(pid: number): { ppid: number; cpuSeconds: number; childrenCpuSeconds: number } | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
  return {
    ppid: Number(fields[1]),
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
    childrenCpuSeconds: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS,
  };
}

function readRss(pid: number): number {
  try {
    const match = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^VmRSS:\s+(\d+) kB/m);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function readName(pid: number): string {
  try {
    const argv0 = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0")[0];
    return argv0.split("/").pop() || "?";
  } catch {
    return "?";
  }
}

export function processInfo(pid: number): ProcessInfo | null {
  const stat = readStat(pid);
  if (!stat) return null;
  return { pid, ppid: stat.ppid, name: readName(pid), rssBytes: readRss(pid), cpuSeconds: stat.cpuSeconds };
}

/** Every live process below pid (children, their children…), by walking /proc's parent pids. */
export function descendants(pid: number): ProcessInfo[] {
  const parents = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = readStat(Number(entry.name));
    if (stat) parents.set(Number(entry.name), stat.ppid);
  }
  const below = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [child, parent] of parents) {
      if (below.has(parent) && !below.has(child)) {
        below.add(child);
        grew = true;
      }
    }
  }
  below.delete(pid);
  return [...below].map(processInfo).filter((info): info is ProcessInfo => info !== null);
}

/** A host process and its WebKit processes at one moment. */
export interface ProcessSnapshot {
  host: ProcessInfo;
  children: ProcessInfo[];
}

export function snapshot(pid: number): ProcessSnapshot {
  const host = processInfo(pid);
  if (!host) throw new Error(`process ${pid} is gone`);
  return { host, children: descendants(pid) };
}

/** Sum of a field over the children with a given executable name. */
export function byName(children: ProcessInfo[], field: "rssBytes" | "cpuSeconds"): Record<string, number> {
  const out: Record<string, number> = {};
  for (const child of children) out[child.name] = (out[child.name] ?? 0) + child[field];
  return out;
}

export interface MachineFacts {
  cpu: string;
  cores: number;
  ramBytes: number;
  kernel: string;
  deno: string;
  v8: string;
  webkitgtk: string;
  gtk: string;
  /** A hypervisor flag in /proc/cpuinfo: a virtual machine. */
  virtualized: boolean;
  display: string;
}

function firstMatch(text: string, pattern: RegExp): string | null {
  return text.match(pattern)?.[1]?.trim() ?? null;
}

export function machineFacts(): MachineFacts {
  const cpuinfo = Deno.readTextFileSync("/proc/cpuinfo");
  const meminfo = Deno.readTextFileSync("/proc/meminfo");
  const versions = (soname: string, prefix: string) => {
    const lib = Deno.dlopen(soname, {
      major: { name: `${prefix}_get_major_version`, parameters: [], result: "u32" },
      minor: { name: `${prefix}_get_minor_version`, parameters: [], result: "u32" },
      micro: { name: `${prefix}_get_micro_version`, parameters: [], result: "u32" },
    });
    // Not closed: unloading WebKit or GTK from a live process is not something they survive.
    return `${lib.symbols.major()}.${lib.symbols.minor()}.${lib.symbols.micro()}`;
  };
  const xvfb = (Deno.env.get("XAUTHORITY") ?? "").includes("xvfb-run");
  return {
    cpu: firstMatch(cpuinfo, /^model name\s*:(.*)$/m) ?? "unknown",
    cores: cpuinfo.split("\n").filter((line) => line.startsWith("processor")).length,
    ramBytes: Number(firstMatch(meminfo, /^MemTotal:\s*(\d+) kB/m) ?? 0) * 1024,
    kernel: Deno.readTextFileSync("/proc/sys/kernel/osrelease").trim(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    webkitgtk: versions("libwebkit2gtk-4.1.so.0", "webkit"),
    gtk: versions("libgtk-3.so.0", "gtk"),
    virtualized: (firstMatch(cpuinfo, /^flags\s*:(.*)$/m) ?? "").split(" ").includes("hypervisor"),
    display: `${Deno.env.get("DISPLAY") ?? "none"}${xvfb ? " (Xvfb, xvfb-run)" : ""}`,
  };
}

/** CPU seconds so far: the whole machine's busy and stolen time, and this benchmark's own share (this
 * process and everything below it, living or reaped, plus the X server of our display). */
export interface CpuClock {
  at: number;
  busy: number;
  steal: number;
  own: number;
}

function ownXServer(): number | null {
  const display = Deno.env.get("DISPLAY");
  if (!display) return null;
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const argv = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0");
      if (argv[0].endsWith("Xvfb") && argv.includes(display)) return Number(entry.name);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

let xServer: number | null | undefined;

export function cpuClock(): CpuClock {
  const fields = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …
  const [user, nice, system, , , irq, softirq, steal] = fields;
  xServer ??= ownXServer();
  let own = 0;
  for (const pid of [Deno.pid, ...descendants(Deno.pid).map((p) => p.pid), ...(xServer ? [xServer] : [])]) {
    const stat = readStat(pid);
    if (stat) own += stat.cpuSeconds + stat.childrenCpuSeconds;
  }
  return {
    at: performance.now(),
    busy: (user + nice + system + irq + softirq) / CLOCK_TICKS,
    steal: steal / CLOCK_TICKS,
    own,
  };
}

/** Between two clocks: how many cores other processes kept busy on average, and how many the hypervisor
 * took (steal). High values mean the figures of that stretch were measured on a shared machine. */
export function otherLoad(
  from: CpuClock,
  to: CpuClock,
): { seconds: number; otherCores: number; stealCores: number } {
  const seconds = (to.at - from.at) / 1000;
  return {
    seconds,
    otherCores: Math.max(0, (to.busy - from.busy) - (to.own - from.own)) / seconds,
    stealCores: (to.steal - from.steal) / seconds,
  };
}

/** 1-, 5- and 15-minute load averages: other work on the machine shows here. */
export function loadAverage(): number[] {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).map(Number);
}
