// Throwaway apps on disk for end-to-end tests: a frontend folder, an isolation app and a Tauri-shaped config.
import { join } from "node:path";

/** The seed's own example isolation app, unchanged. */
export const SEED_HOOK = `window.__TAURI_ISOLATION_HOOK__ = (payload) => {
  console.log("hook", payload);
  return payload;
};`;

export interface FixtureOptions {
  /** Source of the isolation app's index.js; null for the brownfield pattern. */
  hook?: string | null;
  /** Extra files for the frontend folder (path → content). */
  frontend?: Record<string, string>;
  /** Airlock's own config section (limits, timeouts). */
  airlock?: Record<string, unknown>;
  /** Extra files for the isolation app's folder (path → content). */
  isolation?: Record<string, string>;
}

/** Writes an app laid out like a Tauri project and returns its config file's path. */
export async function makeApp(options: FixtureOptions = {}): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "airlock-app-" });
  await Deno.mkdir(join(root, "dist"));
  await Deno.mkdir(join(root, "src-tauri"));
  const files: Record<string, string> = {
    "index.html": `<!doctype html><meta charset="utf-8"><title>fixture</title><p id="hello">fixture app</p>`,
    ...options.frontend,
  };
  for (const [name, content] of Object.entries(files)) {
    await Deno.writeTextFile(join(root, "dist", name), content);
  }
  const hook = options.hook === undefined ? SEED_HOOK : options.hook;
  const config: Record<string, unknown> = { build: { distDir: "../dist" } };
  if (hook !== null) {
    await Deno.mkdir(join(root, "dist-isolation"));
    await Deno.writeTextFile(join(root, "dist-isolation", "index.html"), `<script src="index.js"></script>`);
    await Deno.writeTextFile(join(root, "dist-isolation", "index.js"), hook);
    for (const [name, content] of Object.entries(options.isolation ?? {})) {
      await Deno.writeTextFile(join(root, "dist-isolation", name), content);
    }
    config.tauri = { pattern: { use: "isolation", options: { dir: "../dist-isolation" } } };
  }
  if (options.airlock) config.airlock = options.airlock;
  const file = join(root, "src-tauri", "tauri.conf.json");
  await Deno.writeTextFile(file, JSON.stringify(config, null, 2));
  return file;
}

/** JS for evaluate(): runs an invoke and reports how it settled, so a rejection is a value to assert on. */
export function settle(call: string): string {
  return `(async () => {
    try { return { ok: true, value: await ${call} }; }
    catch (error) { return { ok: false, error: String(error && error.message || error) }; }
  })()`;
}

/** Polls `probe` until `ok` holds (a probe that throws counts as not yet), or fails naming `what`. */
export async function until<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch((error) => `probe failed: ${error?.message ?? error}` as T);
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `deno task <name>` in `cwd` until its output matches `done` (or 30 s pass), then stops it with
 * SIGTERM and returns everything it printed. */
export async function runTaskUntil(name: string, cwd: string, done: RegExp): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", name],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const read = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += decoder.decode(chunk);
  };
  const reading = Promise.all([read(child.stdout), read(child.stderr)]);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !done.test(output)) await new Promise((r) => setTimeout(r, 100));
  child.kill("SIGTERM");
  await child.status;
  await reading;
  return output;
}

/** The pids of this process's WebKit web processes. */
export function webProcesses(): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const name = Deno.readTextFileSync(`/proc/${entry.name}/comm`);
      if (parent === Deno.pid && name.startsWith("WebKitWebProces")) found.push(Number(entry.name));
    } catch { /* gone meanwhile */ }
  }
  return found;
}
