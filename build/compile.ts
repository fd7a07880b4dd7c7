// `deno task compile`: the built entry (assets embedded) through `deno compile` into one executable.
// `deno compile` fetches its runtime, denort, from the internet unless DENORT_BIN names one; offline and
// without it, say so in one line. The result is run once in self-check mode before it is called done: an
// output file that does not run is an error, not an executable.
import { resolve } from "node:path";
import { formatBytes } from "./embed.ts";

export class CompileError extends Error {}

/** Permissions the compiled app runs with: WebKitGTK through FFI, its env, files and network. */
export const APP_PERMISSIONS = ["--allow-ffi", "--allow-env", "--allow-read", "--allow-write", "--allow-net"];

export async function compileApp(entry: string, output: string): Promise<string[]> {
  const started = performance.now();
  const target = resolve(output);
  const denort = Deno.env.get("DENORT_BIN");
  if (denort) {
    // deno compile itself only says "Writing deno compile executable to temporary file" about a bad one.
    const file = await Deno.stat(denort).catch(() => null);
    if (!file?.isFile) {
      throw new CompileError(
        `DENORT_BIN=${denort} is not a file. denort is Deno's runtime without its CLI, ` +
          `published with each Deno release as denort-<target>.zip (Deno ${Deno.version.deno} here)`,
      );
    }
  }
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["compile", ...APP_PERMISSIONS, "--output", target, entry],
    env: { NO_COLOR: "1" }, // its errors are quoted in ours
    stdout: "piped",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(run.stderr) + new TextDecoder().decode(run.stdout);
  if (!run.success) {
    const reason = log.split("\n").find((line) => /error/i.test(line))?.trim();
    if (!denort && /download|dl\.deno\.land|denort/i.test(log)) {
      throw new CompileError(
        `deno compile could not download its runtime (denort) — offline? Set DENORT_BIN to a denort binary of Deno ${Deno.version.deno} and run again.`,
      );
    }
    throw new CompileError(`deno compile failed: ${reason ?? "see its output above"}`);
  }
  // Never call it done unseen: the executable must start and report on its embedded app.
  const check = await new Deno.Command(target, {
    env: { AIRLOCK_SELF_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  })
    .output().catch((error) => ({
      success: false,
      stdout: new Uint8Array(),
      stderr: new TextEncoder().encode(String(error)),
    }));
  const said = new TextDecoder().decode(check.stdout).trim();
  if (!check.success || !said.startsWith("airlock self-check ok")) {
    await Deno.remove(target).catch(() => {});
    throw new CompileError(
      `the compiled executable does not run${
        denort ? ` (is DENORT_BIN=${denort} a denort of Deno ${Deno.version.deno}?)` : ""
      }; removed it`,
    );
  }
  const size = (await Deno.stat(target)).size;
  return [
    `${said}`,
    `compiled ${target} (${formatBytes(size)}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  ];
}
