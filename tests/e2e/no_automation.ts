// Without the opt-in (`--automation`, AIRLOCK_AUTOMATION=1), no WebDriver session can attach to an app
// and no inspector port is open, whether WebKitWebDriver starts the app (it asks for an inspector server
// through WEBKIT_INSPECTOR_SERVER) or attaches to a running one (--target=host:port). Each case runs
// again with the opt-in, which must open the port and give a session: the checks can see one.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { appCapabilities, startWebDriver, type WebDriverServer } from "../../webdriver.ts";
import { appsGone } from "./helpers.ts";

const DEMO = fileURLToPath(new URL("../../demo/airlock.conf.json", import.meta.url));
const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
/** How long a session may take to appear before the test says none will (one takes ~0.5 s). */
const PATIENCE_MS = 6_000;
const e2e = { sanitizeOps: false, sanitizeResources: false };

/** This process's environment without any automation switch. */
function environment(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.AIRLOCK_AUTOMATION;
  delete env.TAURI_WEBVIEW_AUTOMATION;
  return env;
}

/** POST /session; the session id, or the reason there is none (an error, or no answer in time). */
async function newSession(driver: WebDriverServer, capabilities: Record<string, unknown>) {
  try {
    const response = await fetch(`${driver.url}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ capabilities: { alwaysMatch: capabilities } }),
      signal: AbortSignal.timeout(PATIENCE_MS),
    });
    const body = await response.json();
    return { id: body?.value?.sessionId as string | undefined, said: JSON.stringify(body).slice(0, 300) };
  } catch (error) {
    return { id: undefined, said: (error as Error).message };
  }
}

async function deleteSession(driver: WebDriverServer, id: string) {
  await (await fetch(`${driver.url}/session/${id}`, { method: "DELETE" })).body?.cancel();
}

async function listening(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

/** WEBKIT_INSPECTOR_SERVER's port in a process's environment (what WebKitWebDriver asked for). */
async function inspectorPortOf(pid: number): Promise<number> {
  const out = await new Deno.Command("bash", {
    args: ["-c", 'tr "\\0" "\\n" < /proc/"$0"/environ', String(pid)],
    stdout: "piped",
    stderr: "null",
  }).output();
  const line = new TextDecoder().decode(out.stdout).split("\n").find((l) =>
    l.startsWith("WEBKIT_INSPECTOR_SERVER=")
  );
  assert.ok(line, `the app (pid ${pid}) was started without WEBKIT_INSPECTOR_SERVER`);
  return Number(line.split(":").pop());
}

async function until(what: string, ready: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** WebKitWebDriver starts the app (as in every WebDriver test) with the opt-in or without it. */
async function driverStarted(automation: boolean) {
  const driver = await startWebDriver({ env: environment() });
  try {
    const capabilities = appCapabilities({ config: DEMO });
    const options = capabilities["webkitgtk:browserOptions"] as { args: string[] };
    if (!automation) options.args = options.args.filter((arg) => arg !== "--automation");
    const session = newSession(driver, capabilities);
    // The app starts and opens its window either way.
    await until("the app to start", async () => (await driver.apps()).length > 0);
    const [app] = await driver.apps();
    const port = await inspectorPortOf(app);
    await until("the app's window", () => /is running/.test(driver.output()));
    const { id, said } = await session;
    const result = { session: id !== undefined, said, port: await listening(port) };
    if (id) {
      await deleteSession(driver, id);
      assert.ok(await appsGone(driver), "the app outlived its session");
    }
    return result;
  } finally {
    await driver.stop();
  }
}

Deno.test(
  { name: "no automation: a driver-started app takes no session, opens no inspector port", ...e2e },
  async () => {
    const off = await driverStarted(false);
    assert.equal(off.session, false, `a session attached without the opt-in: ${off.said}`);
    assert.equal(off.port, false, "the inspector port was open without the opt-in");
    const on = await driverStarted(true);
    assert.equal(on.session, true, `no session with --automation: ${on.said}`);
    assert.equal(on.port, true, "no inspector port with --automation");
  },
);

/** The app started by hand with WEBKIT_INSPECTOR_SERVER, and WebKitWebDriver attached with --target. */
async function attached(automation: boolean) {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const app = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "dev",
      "--config",
      DEMO,
      ...(automation ? ["--automation"] : []),
    ],
    env: { ...environment(), WEBKIT_INSPECTOR_SERVER: `127.0.0.1:${port}` },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const read = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) output += new TextDecoder().decode(chunk);
  };
  const reading = Promise.all([read(app.stdout), read(app.stderr)]);
  let driver: WebDriverServer | null = null;
  try {
    await until("the app's window", () => /is running/.test(output));
    const open = await listening(port);
    driver = await startWebDriver({ args: [`--target=127.0.0.1:${port}`] });
    const { id, said } = await newSession(driver, {});
    if (id) await deleteSession(driver, id);
    return { session: id !== undefined, said, port: open };
  } finally {
    await driver?.stop();
    try {
      app.kill("SIGTERM");
    } catch {
      // the session's end closed it already
    }
    await app.status;
    await reading;
  }
}

Deno.test(
  { name: "no automation: WebKitWebDriver --target cannot attach to a running app", ...e2e },
  async () => {
    const off = await attached(false);
    assert.equal(off.port, false, "WEBKIT_INSPECTOR_SERVER opened a port without the opt-in");
    assert.equal(off.session, false, `a session attached without the opt-in: ${off.said}`);
    const on = await attached(true);
    assert.equal(on.port, true, "no inspector port with --automation");
    assert.equal(on.session, true, `no session with --automation: ${on.said}`);
  },
);
