// The demo app, clicked through in the real webview: what the README's screenshot shows is what happens.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { launch } from "../../mod.ts";
import { commands, stopService } from "../../demo/commands.ts";

Deno.test("demo: every button does what its label says; refusals name who refused and why", async () => {
  // The notes scope lives in the app's data folder: a throwaway one here.
  const dataHome = await Deno.makeTempDir({ prefix: "airlock-demo-data-" });
  const previous = Deno.env.get("XDG_DATA_HOME");
  Deno.env.set("XDG_DATA_HOME", dataHome);
  const app = await launch({
    config: fileURLToPath(new URL("../../demo/airlock.conf.json", import.meta.url)),
    commands,
  });
  try {
    const click = async (id: string, entries = 1) => {
      const result = await app.evaluate(`(async () => {
        const log = document.getElementById("log");
        while (!log.children.length) await new Promise((r) => setTimeout(r, 10)); // the greeting on load
        const before = log.children.length;
        document.getElementById(${JSON.stringify(id)}).click();
        const deadline = Date.now() + 5000;
        while (log.children.length < before + ${entries} && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        return Array.from(log.children).slice(0, log.children.length - before).reverse()
          .map((li) => li.className + " " + li.textContent);
      })()`) as string[];
      assert.equal(result.length, entries, `${id}: ${JSON.stringify(result)}`);
      return result;
    };
    assert.match((await click("greet"))[0], /^ok greet: ✔ Hello, Ada!/);
    assert.match(
      (await click("greet-bad"))[0],
      /^refused .*invalid arguments for greet: args\.name: expected a string/,
    );
    assert.match((await click("read-ok"))[0], /^ok read hello\.txt: ✔ Hello from a file/);
    assert.match(
      (await click("read-bad"))[0],
      /^refused .*isolation hook refused the call: path "\.\.\/\.\.\/etc\/passwd"/,
    );
    assert.match((await click("write-note"))[0], /^ok write and read a note: ✔ note written at/);
    assert.match((await click("write-ro"))[0], /^refused .*scope "demo" is read-only/);
    assert.match(
      (await click("http-ok"))[0],
      /^ok fetch loopback service: ✔ 200: hello .*Origin seen: app:\/\/localhost/,
    );
    assert.match(
      (await click("http-bad"))[0],
      /^refused .*isolation hook refused the call: Origin header "https:\/\/evil\.example"/,
    );
    assert.match((await click("http-outside"))[0], /^refused .*not allowed/);
    const ticks = await click("ticker", 4);
    // Events and the command's answer travel separately: their relative order is not promised.
    assert.deepEqual(ticks.map((line) => line.split(":")[0]).sort(), [
      "ok event tick",
      "ok event tick",
      "ok event tick",
      "ok start ticker",
    ]);
    await click("title");
    assert.equal(app.title, "Airlock demo — renamed by Ada");
  } finally {
    await app.close();
    await stopService();
    if (previous === undefined) Deno.env.delete("XDG_DATA_HOME");
    else Deno.env.set("XDG_DATA_HOME", previous);
  }
});
