// A real race against the scoped file system: another process (tests/fs/swapper.ts) keeps swapping the
// folder scope/d for a symlink to a folder outside and back, while reads, writes, listings, stats, mkdirs,
// removes and renames go through ScopedFs at paths inside scope/d. Counts what got through, what was
// refused, and every escape: a read, listing or stat that saw the outside folder, and anything made,
// changed or removed outside (temp files of atomic writes included).
import { join } from "node:path";
import { type FsBackend, FsError, ScopedFs, TEMP_SUFFIX } from "../../core/fs.ts";

export const SECRET = "outside the scope, and longer than what is inside";
const INSIDE = "inside";

export interface RaceFigures {
  backend: string;
  seconds: number;
  swaps: number;
  rounds: number;
  ok: number;
  refused: number;
  /** Reads that returned the outside file's bytes. */
  leakedReads: number;
  /** Listings, stats and exists that saw what only the outside folder holds. */
  leakedLookups: number;
  /** Names made outside (temp files among them; a few of them named), and the outside files changed or
   * removed. */
  madeOutside: number;
  tempsOutside: number;
  madeOutsideSample: string[];
  changedOutside: number;
}

/** Runs the race for `seconds` against a ScopedFs with `backend`. */
export async function race(backend: FsBackend, seconds: number): Promise<RaceFigures> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "airlock-race-" }));
  const scope = join(dir, "scope");
  const outside = join(dir, "outside");
  const d = join(scope, "d");
  await Deno.mkdir(d, { recursive: true });
  await Deno.mkdir(outside);
  await Deno.writeTextFile(join(d, "f.txt"), INSIDE);
  await Deno.writeTextFile(join(d, "victim"), "");
  await Deno.writeTextFile(join(outside, "f.txt"), SECRET);
  await Deno.writeTextFile(join(outside, "victim"), SECRET); // a remove of d/victim must not take it
  await Deno.writeTextFile(join(outside, "only-outside.txt"), SECRET);
  await Deno.symlink(outside, join(scope, "link"));
  const outsideBefore = await names(outside);

  const fs = new ScopedFs([{ name: "data", root: scope, write: true }], null, { backend });
  const figures: RaceFigures = {
    backend: backend.name,
    seconds,
    swaps: 0,
    rounds: 0,
    ok: 0,
    refused: 0,
    leakedReads: 0,
    leakedLookups: 0,
    madeOutside: 0,
    tempsOutside: 0,
    madeOutsideSample: [],
    changedOutside: 0,
  };
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      new URL("./swapper.ts", import.meta.url).pathname,
      d,
      join(scope, "aside"),
      join(scope, "link"),
      String(Date.now() + 1000 + seconds * 1000), // its start-up, then the race
    ],
    stdout: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!output.includes("ready\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error("the swapper did not start");
    output += value;
  }
  let running = true;
  const status = child.status.finally(() => running = false);
  const ok = () => figures.ok++;
  const refusedOnly = (error: unknown) => {
    if (!(error instanceof FsError)) throw error;
    figures.refused++;
  };
  let swapperExit = 0;
  const leak = (seen: boolean) => seen ? figures.leakedLookups++ : figures.ok++;
  try {
    while (running) {
      figures.rounds++;
      await Promise.all([
        fs.readTextFile("d/f.txt", "data").then(
          (text) => text === INSIDE ? ok() : figures.leakedReads++,
          refusedOnly,
        ),
        fs.writeTextFile("d/f.txt", INSIDE, "data").then(ok, refusedOnly),
        fs.writeTextFile(`d/new-${figures.rounds % 8}.txt`, INSIDE, "data").then(ok, refusedOnly),
        fs.writeFile("d/victim", new Uint8Array(), "data", { create: false }).then(ok, refusedOnly),
        fs.readDir("d", "data").then(
          (list) => leak(list.some((e) => e.name === "only-outside.txt")),
          refusedOnly,
        ),
        fs.exists("d/only-outside.txt", "data").then(leak, refusedOnly),
        fs.stat("d/f.txt", "data").then((info) => leak(info.size === SECRET.length), refusedOnly),
        fs.mkdir("d/sub", undefined, "data").then(ok, refusedOnly),
        fs.remove("d/sub", { recursive: true }, "data").then(ok, refusedOnly),
        fs.rename("d/new-0.txt", "d/renamed.txt", "data", "data").then(ok, refusedOnly),
      ]);
    }
  } finally {
    const killed = running;
    if (killed) child.kill("SIGKILL");
    const { code } = await status;
    if (!killed) swapperExit = code;
    for (let chunk = await lines.read(); !chunk.done; chunk = await lines.read()) output += chunk.value;
  }
  if (swapperExit !== 0) throw new Error(`the swapper failed (exit ${swapperExit})`);
  const lastLine = output.trim().split("\n").at(-1);
  figures.swaps = Number(lastLine === "ready" ? 0 : lastLine);
  const after = await names(outside);
  const made = after.filter((name) => !outsideBefore.includes(name));
  figures.madeOutside = made.length;
  figures.tempsOutside = made.filter((name) => name.endsWith(TEMP_SUFFIX)).length;
  figures.madeOutsideSample = made.slice(0, 3);
  for (const name of outsideBefore) {
    const text = await Deno.readTextFile(join(outside, name)).catch(() => null);
    if (text !== SECRET) figures.changedOutside++;
  }
  await Deno.remove(dir, { recursive: true });
  return figures;
}

async function names(folder: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(folder))).map((entry) => entry.name).sort();
}
