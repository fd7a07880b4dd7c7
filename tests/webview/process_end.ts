// A window's web process that ends under its page (a crash, the OOM killer, a kill): callers are told
// why, the page is loaded again in a new process, and a first load that fails this way fails launch().
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { launch } from "../../mod.ts";
import { makeApp, webProcesses } from "../fixture.ts";
import type { AuditEntry } from "../../core/window.ts";

const INVOKE = "window.__TAURI__.core.invoke";

/** Resolves once `done()` holds (polled), or fails after a few seconds. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 5000) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("a web process killed under the page: its evaluation says so, the page comes back, calls work", async () => {
  const audit: AuditEntry[] = [];
  const before = webProcesses();
  const app = await launch({
    config: await makeApp(),
    commands: { echo: (args) => args },
    audit: (entry) => audit.push(entry),
  });
  try {
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { n: 1 })`), { n: 1 });
    const waiting = app.evaluate(`new Promise(() => {})`).then(
      () => "resolved",
      (error: Error) => error.message,
    );
    const fresh = webProcesses().filter((pid) => !before.includes(pid));
    assert.equal(fresh.length, 1);
    Deno.kill(fresh[0], "SIGKILL");
    assert.equal(await waiting, "evaluate failed: the window's web process crashed");
    // Evaluations made meanwhile wait for the page loaded again, with a new isolation session.
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { n: 2 })`), { n: 2 });
    assert.deepEqual(audit, [
      { window: "main", reason: "the web process crashed: the page is loaded again", kind: "process-ended" },
    ]);
  } finally {
    await app.close();
  }
});

Deno.test("a page whose web process keeps ending is loaded again three times a minute, no more", async () => {
  const audit: string[] = [];
  const app = await launch({
    config: await makeApp(),
    commands: { echo: (args) => args },
    audit: (entry) => audit.push(entry.reason),
  });
  try {
    for (let round = 1; round <= 3; round++) {
      assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { round: ${round} })`), { round });
      for (const pid of webProcesses()) Deno.kill(pid, "SIGKILL");
      await until(() => audit.length === round, `the host to learn of end ${round}`);
    }
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { round: 4 })`), { round: 4 });
    for (const pid of webProcesses()) Deno.kill(pid, "SIGKILL");
    await until(() => audit.length === 4, "the host to learn of the fourth end");
    const last = await app.evaluate("1").then(() => "ran", (error: Error) => error.message);
    assert.equal(last, "evaluate failed: the window's web process crashed");
    assert.equal(audit.length, 4);
    assert.equal(
      audit[3],
      "the web process crashed again (3 times within a minute): the page stays unloaded",
    );
  } finally {
    await app.close();
  }
});

Deno.test("a second end while the page is loaded again: evaluations made meanwhile run on the page after", async () => {
  const audit: string[] = [];
  // Each load of the page calls "started", then keeps its process busy for a second. The second load's
  // call (from the first restart) kills that process: long after WebKit's launch handshake (a kill during
  // it aborts the host inside WebKit), before the page can have loaded.
  const slow = `<!doctype html><script>window.__TAURI__.core.invoke("started");</script><script>
    const until = Date.now() + 1000;
    while (Date.now() < until) {}
  </script><p>slow</p>`;
  let starts = 0;
  const started = () => {
    if (++starts === 2) { for (const pid of webProcesses()) Deno.kill(pid, "SIGKILL"); }
  };
  const app = await launch({
    config: await makeApp({ hook: null, frontend: { "index.html": slow } }),
    commands: { echo: (args) => args, started },
    audit: (entry) => audit.push(entry.reason),
  });
  try {
    for (const pid of webProcesses()) Deno.kill(pid, "SIGKILL");
    await until(() => audit.length === 1, "the host to learn of the first end");
    const queued = app.evaluate(`[location.pathname, typeof window.__TAURI__, document.readyState]`);
    assert.deepEqual(await queued, ["/index.html", "object", "complete"]);
    assert.equal(starts, 3);
    assert.equal(audit.length, 2);
    assert.deepEqual(await app.evaluate(`${INVOKE}("echo", { n: 3 })`), { n: 3 });
  } finally {
    await app.close();
  }
});

/** The page of a window whose process is killed before it loads: it calls "early" (the call leaves once
 * the first script's microtasks have run), then its second script keeps the process busy for two seconds. */
const KILLED_EARLY = `<!doctype html><script>window.__TAURI__.core.invoke("early");</script><script>
  const until = Date.now() + 2000;
  while (Date.now() < until) {}
</script><p>loaded</p>`;

/** Runs process_end_child.ts on `config`: what it printed; it must exit by itself (nothing left open). */
async function killedBeforeLoad(config: string): Promise<string> {
  const child = fileURLToPath(new URL("./process_end_child.ts", import.meta.url));
  const run = new Deno.Command(Deno.execPath(), { args: ["run", "-A", child, config], stdout: "piped" })
    .spawn();
  const timer = setTimeout(() => run.kill("SIGKILL"), 30_000);
  const out = await run.output();
  clearTimeout(timer);
  assert.equal(out.code, 0, `the app did not exit by itself (code ${out.code}, signal ${out.signal})`);
  return new TextDecoder().decode(out.stdout).trim();
}

const KILLED_BEFORE_LOAD = "rejected (1 killed): the window's web process crashed before the page had loaded";

/** killedBeforeLoad for an app of two windows, "main" (index.html) then "second" (second.html). */
async function secondKilledBeforeLoad(config: string): Promise<string> {
  const file = JSON.parse(await Deno.readTextFile(config));
  file.app = { windows: [{ label: "main" }, { label: "second", url: "second.html" }] };
  await Deno.writeTextFile(config, JSON.stringify(file));
  return await killedBeforeLoad(config);
}

Deno.test("a web process that ends before the first page has loaded fails launch(), and nothing stays open", async () => {
  const config = await makeApp({ hook: null, frontend: { "index.html": KILLED_EARLY } });
  assert.equal(await killedBeforeLoad(config), KILLED_BEFORE_LOAD);
});

Deno.test("a second window that cannot load fails launch(): the first one is closed with it", async () => {
  const config = await makeApp({
    hook: null,
    frontend: { "index.html": "<!doctype html><p>main</p>", "second.html": KILLED_EARLY },
  });
  assert.equal(await secondKilledBeforeLoad(config), KILLED_BEFORE_LOAD);
});

Deno.test("launch() that fails closes a window a page asked for, too, once it has loaded", async () => {
  // main's page asks for window "x", whose page takes three seconds to load; meanwhile the config's
  // second window fails: "x" must be closed when it is ready, or it would keep the app open for good.
  const main = `<!doctype html><script>window.__TAURI__.core.invoke("plugin:webview|create_webview_window",
    { options: { label: "x", url: "slow.html" } }).catch(() => {});</script><p>main</p>`;
  const slow =
    `<!doctype html><p>slow</p><script>const until = Date.now() + 3000; while (Date.now() < until) {}</script>`;
  const config = await makeApp({
    hook: null,
    airlock: { allowPageWindows: true },
    frontend: { "index.html": main, "second.html": KILLED_EARLY, "slow.html": slow },
  });
  assert.equal(await secondKilledBeforeLoad(config), KILLED_BEFORE_LOAD);
});
