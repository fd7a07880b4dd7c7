// Measures the race ScopedFs cannot close (see its class comment): a worker swaps a folder inside the scope
// for a symlink to a folder outside and back, as fast as it can, while reads and writes go through it.
// Prints how often they got through, were refused, read the outside file, or changed it.
//   deno run --allow-read --allow-write tests/fs/race.ts [seconds]
import { join } from "node:path";
import { FsError, ScopedFs } from "../../core/fs.ts";

const seconds = Number(Deno.args[0] ?? 3);
const SECRET = "outside the scope";
const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "airlock-race-" }));
const scope = join(dir, "scope");
const outside = join(dir, "outside");
await Deno.mkdir(join(scope, "d"), { recursive: true });
await Deno.mkdir(outside);
await Deno.writeTextFile(join(scope, "d", "f.txt"), "inside");
await Deno.writeTextFile(join(outside, "f.txt"), SECRET);
await Deno.symlink(outside, join(scope, "link"));

const fs = new ScopedFs([{ name: "data", root: scope, write: true }]);
const worker = new Worker(new URL("./swapper.ts", import.meta.url), { type: "module" });
const until = Date.now() + seconds * 1000;
const swaps = new Promise<number>((done) => worker.onmessage = (event) => done(event.data));
worker.postMessage({
  folder: join(scope, "d"),
  aside: join(scope, "aside"),
  link: join(scope, "link"),
  until,
});

const figures = { reads: 0, writes: 0, refused: 0, leakedReads: 0, outsideChanged: 0 };
const refusedOnly = (error: unknown) => {
  if (!(error instanceof FsError)) throw error;
  figures.refused++;
};
while (Date.now() < until) {
  await Promise.all([
    fs.readTextFile("d/f.txt", "data")
      .then((text) => text === SECRET ? figures.leakedReads++ : figures.reads++, refusedOnly),
    fs.writeTextFile("d/f.txt", "inside", "data").then(() => figures.writes++, refusedOnly),
  ]);
  if (await Deno.readTextFile(join(outside, "f.txt")) !== SECRET) {
    figures.outsideChanged++;
    await Deno.writeTextFile(join(outside, "f.txt"), SECRET);
  }
}
console.log(JSON.stringify({ seconds, swaps: await swaps, ...figures }));
worker.terminate();
await Deno.remove(dir, { recursive: true });
