// WebDriver tests of an Airlock app, as tauri-driver gives Tauri apps: WebKitGTK's own driver
// (WebKitWebDriver, Debian's webkit2gtk-driver) starts the app with automation on (`main.ts dev
// --automation`) and any WebDriver client (WebdriverIO, Selenium) drives its windows.
//
//   const driver = await startWebDriver();
//   const browser = await remote({ hostname: driver.hostname, port: driver.port,
//     capabilities: { ...appCapabilities({ config: "airlock.conf.json" }), "wdio:enforceWebDriverClassic": true } });
//
// Automation lets the driver do anything in the app's windows, the isolation frame included: test runs only.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const AIRLOCK_ROOT = dirname(fileURLToPath(import.meta.url));

/** Where Debian's webkit2gtk-driver puts WebKitGTK's driver. */
export const WEBKIT_WEBDRIVER = "/usr/bin/WebKitWebDriver";

/** WebDriver's browserName for every Airlock app (its browserVersion is the app's version). */
export const BROWSER_NAME = "airlock";

/** The permissions `deno task dev` gives an app (what the driver-started app runs with). */
const APP_PERMISSIONS = [
  "--allow-ffi",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-net",
  "--allow-run",
];

export interface AppCapabilityOptions {
  /** The app's config (airlock.conf.json or tauri.conf.json); relative to the current directory. */
  config: string;
  /** The app's deno.json, when its commands module imports through an import map (`airlock/…`). */
  denoConfig?: string;
  /** More arguments for `main.ts dev` (`--commands FILE`). */
  args?: string[];
}

/** The W3C capabilities that have WebKitWebDriver start the app with automation on:
 * `{ browserName: "airlock", "webkitgtk:browserOptions": { binary: <deno>, args: [run, …, main.ts, dev,
 * --config, <config>, --automation] } }`. */
export function appCapabilities(options: AppCapabilityOptions): Record<string, unknown> {
  const args = [
    "run",
    ...APP_PERMISSIONS,
    ...(options.denoConfig ? ["--config", resolve(options.denoConfig)] : []),
    join(AIRLOCK_ROOT, "main.ts"),
    "dev",
    "--config",
    resolve(options.config),
    ...(options.args ?? []),
    "--automation",
  ];
  return {
    browserName: BROWSER_NAME,
    "webkitgtk:browserOptions": { binary: Deno.execPath(), args },
  };
}

export interface WebDriverServer {
  hostname: string;
  port: number;
  /** http://hostname:port, the WebDriver endpoint (Selenium's usingServer). */
  url: string;
  /** The driver's process id. */
  pid: number;
  /** The process ids of the apps the driver started and that still run (its child processes). */
  apps(): Promise<number[]>;
  /** What the driver and the apps it started printed so far (for a failing test's message). */
  output(): string;
  /** Stops the driver and any app it still runs. */
  stop(): Promise<void>;
}

export class WebDriverUnavailableError extends Error {
  override name = "WebDriverUnavailableError";
}

/** Starts WebKitWebDriver on a free loopback port and waits until it answers /status. */
export async function startWebDriver(
  options: {
    binary?: string;
    port?: number;
    /** More arguments for WebKitWebDriver (`--target=host:port` attaches to a running app instead). */
    args?: string[];
    /** The whole environment of the driver and so of the apps it starts (by default, this process's). */
    env?: Record<string, string>;
  } = {},
): Promise<WebDriverServer> {
  const binary = options.binary ?? WEBKIT_WEBDRIVER;
  try {
    if (!(await Deno.stat(binary)).isFile) throw new Error("not a file");
  } catch {
    throw new WebDriverUnavailableError(
      `WebKitGTK's WebDriver is not at ${binary}: install it with apt-get install -y webkit2gtk-driver`,
    );
  }
  const hostname = "127.0.0.1";
  const port = options.port ?? freePort(hostname);
  const child = new Deno.Command(binary, {
    args: [`--host=${hostname}`, `--port=${port}`, ...(options.args ?? [])],
    stdin: "null",
    ...(options.env ? { env: options.env, clearEnv: true } : {}),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const read = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output = (output + decoder.decode(chunk)).slice(-200_000);
  };
  const reading = Promise.all([read(child.stdout), read(child.stderr)]);
  let exited = false;
  const status = child.status.then((status) => {
    exited = true;
    return status;
  });
  const apps = () => childrenOf(child.pid);
  const stop = async () => {
    // An app whose session never began (or never ended) outlives the driver, holding its output open.
    const running = exited ? [] : await apps();
    if (!exited) child.kill("SIGTERM");
    await status;
    for (const pid of running) {
      try {
        Deno.kill(pid, "SIGTERM");
      } catch {
        // ended with its session
      }
    }
    await reading;
  };
  const url = `http://${hostname}:${port}`;
  const deadline = Date.now() + 10_000;
  while (true) {
    if (exited) {
      await reading;
      throw new WebDriverUnavailableError(`${binary} exited at start: ${output.trim()}`);
    }
    try {
      const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(1_000) });
      const body = await response.json();
      if (response.ok && body?.value?.ready !== false) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new WebDriverUnavailableError(`${binary} did not answer on ${url} within 10 s: ${output.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { hostname, port, url, pid: child.pid, apps, output: () => output, stop };
}

/** A process's children, read from /proc by bash (Deno reads /proc itself only with --allow-all). */
async function childrenOf(pid: number): Promise<number[]> {
  const out = await new Deno.Command("bash", {
    args: ["-c", 'cat /proc/"$0"/task/*/children', String(pid)],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).split(/\s+/).filter(Boolean).map(Number);
}

/** A loopback port nothing listens on right now. */
function freePort(hostname: string): number {
  const listener = Deno.listen({ hostname, port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
