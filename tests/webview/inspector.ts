// Dev's isolation inspector, in the real webview: every call's row says what the hook did (passed,
// rewrote with the difference, refused and why) and what the core did (ran, refused, failed and why),
// shown in the inspector's own window and filterable; a page script cannot add a row; it exists in dev
// only.
import assert from "node:assert/strict";
import { launch } from "../../mod.ts";
import { makeApp, settle, until } from "../fixture.ts";

const HOOK = `window.__TAURI_ISOLATION_HOOK__ = (m) => {
  if (m.cmd === "nope") throw new Error("no nope here");
  if (m.cmd === "echo") return { ...m, payload: { ...m.payload, hook: 1 } };
  return m;
};`;

const commands = {
  echo: (args: unknown) => args,
  fail: () => {
    throw new Error("boom");
  },
};

Deno.test("inspector: the hook's and the core's verdict on each call, in its own window, filterable; pages cannot write to it", async () => {
  const app = await launch({ config: await makeApp({ hook: HOOK }), commands, dev: true, inspector: true });
  const inspector = app.inspector!;
  try {
    for (const call of [`"echo", { a: 1 }`, `"nope", {}`, `"fail", {}`, `"no_such_command", {}`]) {
      await app.evaluate(settle(`window.airlock.invoke(${call})`));
    }
    await until(() => Promise.resolve(inspector.entries.length), (n) => n >= 4, "four rows");
    const row = (cmd: string) => inspector.entries.find((entry) => entry.cmd === cmd)!;
    assert.deepEqual([row("echo").hook, row("echo").core], ["rewrote", "ran"]);
    assert.ok(row("echo").diff.includes(`+ "hook": 1`), JSON.stringify(row("echo").diff));
    assert.equal(row("echo").window, "main");
    assert.deepEqual([row("nope").hook, row("nope").core, row("nope").reason], [
      "refused",
      "not sent",
      "no nope here",
    ]);
    assert.deepEqual([row("fail").hook, row("fail").core, row("fail").reason], ["passed", "failed", "boom"]);
    assert.deepEqual([row("no_such_command").hook, row("no_such_command").core], ["passed", "refused"]);
    assert.match(row("no_such_command").reason!, /unknown command/);
    for (const entry of inspector.entries) assert.ok(entry.ms >= 0 && entry.hookMs !== undefined);

    // Its own window shows them, and the filter narrows them.
    await until(
      () => inspector.evaluate(`document.getElementById("rows").rows.length`),
      (n) => n === 4,
      "four rows in the window",
    );
    const visible = await inspector.evaluate(`(() => {
      const filter = document.getElementById("filter");
      filter.value = "refused";
      filter.dispatchEvent(new Event("input"));
      return [...document.getElementById("rows").rows].filter((tr) => !tr.hidden).map((tr) => tr.cells[2].textContent);
    })()`);
    assert.deepEqual(visible, ["nope", "no_such_command"]);

    // A page script's report (it has no relay token) is refused and adds nothing.
    const status = await app.evaluate(`fetch("/__airlock/inspect", { method: "POST",
      body: JSON.stringify({ before: { cmd: "forged" }, after: null, hookMs: 0, ms: 0, ok: true, error: null }) })
      .then((r) => r.status, (e) => "failed: " + e)`);
    assert.equal(status, 404);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(inspector.entries.length, 4);
  } finally {
    await app.close();
  }
});

Deno.test("inspector: only in dev, only when asked for", async () => {
  const config = await makeApp({ hook: HOOK });
  for (const options of [{ inspector: true }, { dev: true }]) {
    const app = await launch({ config, commands, ...options });
    try {
      assert.equal(app.inspector, null);
      assert.deepEqual(await app.evaluate(settle(`window.airlock.invoke("echo", { a: 1 })`)), {
        ok: true,
        value: { a: 1, hook: 1 },
      });
    } finally {
      await app.close();
    }
  }
});
