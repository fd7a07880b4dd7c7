// native/preload.ts: the worker really loads WebKitGTK (and, without a GPU, Mesa's software driver) into
// the process before native() opens anything, and leaves nothing running. In a child process (this test
// process may have loaded them already), whose memory map the test reads once the preload is over.
import { deepEqual } from "node:assert/strict";
import { fileURLToPath } from "node:url";

const PRELOAD = fileURLToPath(new URL("../native/preload.ts", import.meta.url));

// The child says what it saw, then waits for its stdin to close and exits on its own (a worker left
// running would keep it alive: the test would time out).
const PROBE = `
import { preloadNative } from ${JSON.stringify(PRELOAD)};
const before = Deno.env.get("JSC_SIGNAL_FOR_GC") ?? null;
await preloadNative();
console.log(JSON.stringify({ before, signal: Deno.env.get("JSC_SIGNAL_FOR_GC") ?? null }));
for await (const _ of Deno.stdin.readable) { /* until the parent closes it */ }
`;

async function probe(permissions: string[]) {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/probe.ts`;
  await Deno.writeTextFile(script, PROBE);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-check", ...permissions, script],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    env: { AIRLOCK_GPU: "0" },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  while (!said.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    said += value;
  }
  const maps = await Deno.readTextFile(`/proc/${child.pid}/maps`);
  await child.stdin.close();
  await reader.cancel();
  const { code } = await child.status;
  await Deno.remove(dir, { recursive: true });
  return {
    code,
    ...JSON.parse(said),
    webkit: maps.includes("libwebkit2gtk-4.1"),
    swrast: maps.includes("swrast_dri.so"),
  };
}

Deno.test("the preload loads WebKitGTK and Mesa's software driver on another thread, then ends", async () => {
  deepEqual(await probe(["--allow-all"]), {
    code: 0,
    before: null,
    signal: "30",
    webkit: true,
    swrast: true,
  });
});

Deno.test("without FFI permission the preload does nothing", async () => {
  deepEqual(await probe(["--allow-read", "--allow-env"]), {
    code: 0,
    before: null,
    signal: null,
    webkit: false,
    swrast: false,
  });
});
