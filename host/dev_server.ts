// A framework dev server in `dev` (Tauri's build.devUrl, started by build.beforeDevCommand): its process,
// started with the app and stopped with it (its whole process group: `npm run dev` starts node, which
// starts esbuild), and its pages served as the app's own. The window still loads app://localhost: each
// app:// request is answered with what the dev server answers for the same path and query, so the page,
// the bridge, the relay and the isolation frame are exactly as in a build (one origin for IPC, the same
// navigation and CSP rules), and the dev server's HMR client talks to it over its own WebSocket.
import type { Asset } from "../core/assets.ts";
import type { DevServerConfig, HookCommand } from "../core/dev_server.ts";
import { ConfigError } from "../core/config.ts";

export interface DevServerProcess {
  /** Stops the command and everything it started. */
  stop(): Promise<void>;
}

export interface DevServerOptions {
  log: (line: string) => void;
  /** Where the command's output goes: the terminal (the CLI), or each line to `log` (tests). */
  output?: "inherit" | "log";
  /** How long to wait for the server to answer. */
  timeoutMs?: number;
}

/**
 * Runs beforeDevCommand (if any) and waits until the dev server answers; null when the config names no
 * dev server. Throws a ConfigError when the command fails or the server never answers.
 */
export async function startDevServer(
  config: DevServerConfig,
  options: DevServerOptions,
): Promise<DevServerProcess | null> {
  const { url, beforeDevCommand } = config;
  if (url === null) return null;
  const child = beforeDevCommand ? spawnHook(beforeDevCommand, options) : null;
  const stop = async () => {
    if (child) await child.stop();
  };
  try {
    if (child && beforeDevCommand?.wait) {
      const status = await child.status;
      if (!status.success) {
        throw new ConfigError(
          `build.beforeDevCommand failed (exit ${status.code}): ${beforeDevCommand.script}`,
        );
      }
    }
    options.log(
      `airlock: waiting for the dev server at ${url}${
        beforeDevCommand ? ` (build.beforeDevCommand: ${beforeDevCommand.script})` : ""
      }`,
    );
    await waitForServer(url, options.timeoutMs ?? 120_000, child?.status ?? null, beforeDevCommand);
    options.log(`airlock: pages come from the dev server at ${url}, served as app://localhost`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}

/** Runs a build hook to its end (beforeBuildCommand); throws a ConfigError if it fails. */
export async function runHook(field: string, hook: HookCommand, log: (line: string) => void): Promise<void> {
  log(`airlock: ${field}: ${hook.script}`);
  const status = await spawnHook(hook, { log, output: "inherit" }).status;
  if (!status.success) throw new ConfigError(`${field} failed (exit ${status.code}): ${hook.script}`);
}

/** The dev server's answer to an app:// request's path and query, as an app:// answer. */
export async function devServerAsset(base: string, pathAndQuery: string): Promise<Asset> {
  const target = base + (pathAndQuery.startsWith("/") ? pathAndQuery : `/${pathAndQuery}`);
  try {
    const response = await fetch(target, { redirect: "follow" });
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? "application/octet-stream",
      body: new Uint8Array(await response.arrayBuffer()),
    };
  } catch (error) {
    return {
      status: 502,
      contentType: "text/plain; charset=utf-8",
      body: new TextEncoder().encode(
        `the dev server at ${base} did not answer ${pathAndQuery}: ${(error as Error)?.message ?? error}`,
      ),
    };
  }
}

interface Spawned {
  status: Promise<Deno.CommandStatus>;
  stop(): Promise<void>;
}

function spawnHook(hook: HookCommand, options: DevServerOptions): Spawned {
  const output = options.output ?? "inherit";
  // Its own process group (setsid), so stopping it stops what it started too.
  const setsid = hasSetsid();
  const child = new Deno.Command(setsid ? "setsid" : "sh", {
    args: setsid ? ["sh", "-c", hook.script] : ["-c", hook.script],
    cwd: hook.cwd,
    env: {
      // Tauri's variables for the hook commands.
      TAURI_ENV_DEBUG: "true",
      TAURI_ENV_PLATFORM: "linux",
      TAURI_ENV_FAMILY: "unix",
      TAURI_ENV_ARCH: Deno.build.arch,
    },
    stdin: "null",
    stdout: output === "inherit" ? "inherit" : "piped",
    stderr: output === "inherit" ? "inherit" : "piped",
  }).spawn();
  if (output === "log") {
    for (const stream of [child.stdout, child.stderr]) void forwardLines(stream, options.log);
  }
  let stopped: Promise<void> | undefined;
  return {
    status: child.status,
    stop: () =>
      stopped ??= (async () => {
        const signal = (name: Deno.Signal) => {
          try {
            Deno.kill(setsid ? -child.pid : child.pid, name);
          } catch { /* gone already */ }
        };
        signal("SIGTERM");
        const timer = setTimeout(() => signal("SIGKILL"), 3000);
        await child.status;
        clearTimeout(timer);
        // The group may outlive its leader: once more, to the group.
        if (setsid) signal("SIGKILL");
      })(),
  };
}

async function forwardLines(stream: ReadableStream<Uint8Array>, log: (line: string) => void): Promise<void> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) log(`dev server: ${line}`);
  }
  if (rest.trim()) log(`dev server: ${rest}`);
}

async function waitForServer(
  url: string,
  timeoutMs: number,
  exited: Promise<Deno.CommandStatus> | null,
  hook: HookCommand | null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ended = null as Deno.CommandStatus | null;
  exited?.then((status) => void (ended = status));
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      return;
    } catch {
      // not up yet
    }
    if (ended && !hook?.wait) {
      throw new ConfigError(
        `build.beforeDevCommand ended (exit ${ended.code}) before the dev server at ${url} answered: ${hook?.script}`,
      );
    }
    if (Date.now() > deadline) {
      throw new ConfigError(
        `the dev server at ${url} (build.devUrl) did not answer within ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

let setsidFound: boolean | undefined;
function hasSetsid(): boolean {
  if (setsidFound === undefined) {
    setsidFound = ["/usr/bin/setsid", "/bin/setsid"].some((path) => {
      try {
        return Deno.statSync(path).isFile;
      } catch {
        return false;
      }
    });
  }
  return setsidFound;
}
