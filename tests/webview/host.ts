// The host process itself: no debugger port, clear one-line errors from the CLI.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { launch } from "../../mod.ts";
import { makeApp } from "../fixture.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const INSPECTOR_PORT = 9229;

function listeningPorts(): number[] {
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    // No catch: a table that cannot be read must fail the test, not pass it unchecked (Deno 2.9 reads
    // /proc only with --allow-all, which `deno task test` grants).
    const text = Deno.readTextFileSync(table);
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === "0A") ports.push(parseInt(fields[1].split(":")[1], 16)); // 0A = LISTEN
    }
  }
  return ports;
}

function airlock(args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output().then((out) => ({
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
  }));
}

Deno.test("the app never opens Deno's inspector, even while JavaScriptCore collects garbage", async () => {
  // The reader itself works: a port opened here shows up in it.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  assert.ok(listeningPorts().includes(probe.addr.port), "listeningPorts() cannot see a listening port");
  probe.close();
  assert.ok(!listeningPorts().includes(INSPECTOR_PORT), "something already listens on 9229");
  const app = await launch({ config: await makeApp(), commands: { echo: (args) => args } });
  try {
    // Thousands of replies create JSC values in this process; the page churns its own heap as well.
    await app.evaluate(`(async () => {
      for (let round = 0; round < 20; round++) {
        const junk = Array.from({ length: 20000 }, (_, i) => ({ i, s: "x".repeat(20) }));
        await Promise.all(Array.from({ length: 100 }, (_, i) => window.__TAURI__.core.invoke("echo", { i, n: junk.length })));
      }
    })()`);
    // JavaScriptCore's GC signal handler sits on SIGPWR (30), where it was moved, not on SIGUSR1.
    const caught = BigInt(
      "0x" + /SigCgt:\s*([0-9a-f]+)/.exec(Deno.readTextFileSync("/proc/self/status"))![1],
    );
    assert.equal((caught >> 29n) & 1n, 1n, "no handler on SIGPWR: JSC's GC signal was not moved");
    assert.ok(!listeningPorts().includes(INSPECTOR_PORT), "a debugger port was opened");
  } finally {
    await app.close();
  }
});

Deno.test("without a display the CLI says to use xvfb-run, in one line", async () => {
  const { code, stderr } = await airlock(["dev", "--config", await makeApp()], {
    DISPLAY: "",
    WAYLAND_DISPLAY: "",
  });
  assert.equal(code, 1);
  assert.match(stderr, /cannot open a display.*xvfb-run -a/);
  assert.equal(stderr.trim().split("\n").length, 1, stderr);
});

Deno.test("a bad config or isolation app is one clear error line, not a stack trace", async () => {
  const dir = await Deno.makeTempDir();
  const badConfig = `${dir}/tauri.conf.json`;
  await Deno.writeTextFile(badConfig, JSON.stringify({ build: { distDir: 42 } }));
  const bad = await airlock(["dev", "--config", badConfig]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /tauri\.conf\.json.*build\.distDir/);

  const noHook = await makeApp({ hook: "console.log('forgot the hook')" });
  const built = await airlock(["dev", "--config", noHook]);
  assert.equal(built.code, 1);
  assert.match(built.stderr, /__TAURI_ISOLATION_HOOK__/);
  assert.doesNotMatch(built.stderr, /\n\s+at /);

  const usage = await airlock(["serve"]);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /usage: main\.ts dev --config/);
});

/** Launches an app in a child process with `env` and launch `options` (source text), and reports whether
 * `port` was listening meanwhile. */
async function inspectorPortOpen(
  port: number,
  env: Record<string, string>,
  options: string,
): Promise<boolean> {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  const root = new URL("../../", import.meta.url).href;
  await Deno.writeTextFile(
    script,
    `import { launch } from "${root}mod.ts";
import { makeApp } from "${root}tests/fixture.ts";
const app = await launch({ config: await makeApp(), ${options} });
await app.evaluate("1");
await new Promise((r) => setTimeout(r, 500));
const listening = ${listeningPorts.toString()};
console.log(JSON.stringify(listening().includes(${port})));
await app.close();`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(text!);
}

Deno.test("WEBKIT_INSPECTOR_* in the environment opens no inspector server unless automation is on", async () => {
  for (const name of ["WEBKIT_INSPECTOR_HTTP_SERVER", "WEBKIT_INSPECTOR_SERVER"]) {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = probe.addr.port;
    probe.close();
    const env = { [name]: `127.0.0.1:${port}` };
    assert.equal(await inspectorPortOpen(port, env, "devtools: false"), false, `${name} opened an inspector`);
    // Dev mode's web inspector is the window's own (right-click → Inspect Element): no server either.
    assert.equal(
      await inspectorPortOpen(port, env, "devtools: true"),
      false,
      `${name} opened one in dev mode`,
    );
    // The check can see one: with automation on (WebDriver tests), WebKit opens WEBKIT_INSPECTOR_SERVER's
    // (what WebKitWebDriver asks for), and still no HTTP one.
    const automated = await inspectorPortOpen(port, env, "automation: true");
    assert.equal(automated, name === "WEBKIT_INSPECTOR_SERVER", `${name} with automation on: ${automated}`);
  }
});
