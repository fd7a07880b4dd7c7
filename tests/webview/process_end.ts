// A window's web process that ends under its page (a crash, the OOM killer, a kill): callers are told
// why, the page is loaded again in a new process, and a first load that fails this way fails launch().
import assert from "node:assert/strict";
import { launch } from "../../mod.ts";
import { makeApp } from "../fixture.ts";

const INVOKE = "window.__TAURI__.core.invoke";

/** The pids of this process's WebKit web processes. */
function webProcesses(): number[] {
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

/** Resolves once `done()` holds (polled), or fails after a few seconds. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 5000) throw new Error(`still waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("a web process killed under the page: its evaluation says so, the page comes back, calls work", async () => {
  const audit: string[] = [];
  const before = webProcesses();
  const app = await launch({
    config: await makeApp(),
    commands: { echo: (args) => args },
    audit: (entry) => audit.push(entry.reason),
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
    assert.deepEqual(audit, ["the web process crashed: the page is loaded again"]);
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

Deno.test("a web process that ends before the first page has loaded fails launch(), saying why", async () => {
  const before = webProcesses();
  let killed = 0;
  // The page calls "early" (the call leaves when the first script's microtasks run), then a second
  // script keeps the web process busy for two seconds, so the page cannot finish loading before the
  // command has killed that process.
  const index = `<!doctype html><script>window.__TAURI__.core.invoke("early");</script><script>
    const until = Date.now() + 2000;
    while (Date.now() < until) {}
  </script><p>loaded</p>`;
  const early = () => {
    for (const pid of webProcesses().filter((pid) => !before.includes(pid))) Deno.kill(pid, "SIGKILL");
    killed++;
  };
  await assert.rejects(
    launch({ config: await makeApp({ hook: null, frontend: { "index.html": index } }), commands: { early } }),
    /the window's web process crashed before the page had loaded/,
  );
  assert.equal(killed, 1);
});
