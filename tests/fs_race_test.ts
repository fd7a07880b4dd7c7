// The symlink-swap race for real (tests/fs/race_harness.ts): another process swaps a folder inside the scope
// for a symlink to an outside folder and back, as fast as it can, while the app reads, writes, lists, stats,
// makes, removes and renames through ScopedFs there, thousands of times. With the backend an app's host
// installs (openat2 beneath the scope's root) nothing gets out; the same race run against the path-based
// backend (the fallback without openat2) catches its escapes, so the test is known to see them.
import assert from "node:assert/strict";
import { defaultFsBackend } from "../core/fs.ts";
import { pathBackend } from "../core/fs/path_backend.ts";
import { chooseFsBackend, installFsBackend } from "../host/fs.ts";
import { race } from "./fs/race_harness.ts";

Deno.test("race: a folder swapped for a symlink as fast as another process can never lets the app out (openat2)", async () => {
  assert.equal(installFsBackend(), "openat2", "openat2(2) is not available here");
  const figures = await race(defaultFsBackend(), 4);
  console.log(JSON.stringify(figures));
  assert.equal(figures.backend, "openat2");
  // The race ran: many swaps, thousands of operations, some of them through.
  assert.ok(figures.swaps > 10_000, `only ${figures.swaps} swaps`);
  assert.ok(figures.rounds * 10 > 2_000, `only ${figures.rounds * 10} operations`);
  assert.ok(figures.ok > 100, `only ${figures.ok} operations got through`);
  assert.deepEqual(
    {
      leakedReads: figures.leakedReads,
      leakedLookups: figures.leakedLookups,
      madeOutside: figures.madeOutside,
      changedOutside: figures.changedOutside,
    },
    { leakedReads: 0, leakedLookups: 0, madeOutside: 0, changedOutside: 0 },
    `escaped: ${figures.madeOutsideSample.join(", ")}`,
  );
});

Deno.test("race: the same race catches the path-based backend's escapes (temp files left outside)", async () => {
  const figures = await race(pathBackend, 2);
  console.log(JSON.stringify(figures));
  // Measured here: ~75 temp files outside and ~60 lookups that saw the outside folder per second.
  assert.ok(figures.tempsOutside > 0, "no temp file got outside: the race caught nothing");
});

Deno.test("without openat2 (an older kernel) the host keeps the path-based backend and says so in one line", () => {
  const lines: string[] = [];
  const backend = chooseFsBackend(
    () => "openat2(2) is not in this kernel (ENOSYS: Linux older than 5.6)",
    (line) => lines.push(line),
  );
  assert.equal(backend.name, "path");
  assert.equal(lines.length, 1);
  assert.match(
    lines[0],
    /^airlock: fs: openat2\(2\) is not in this kernel \(ENOSYS.*fall back to path checks/,
  );
  assert.equal(chooseFsBackend(() => null, (line) => lines.push(line)).name, "openat2");
  assert.equal(lines.length, 1);
});
