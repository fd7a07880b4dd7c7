// `main.ts new <dir>` creates an app that passes its own test as created (run here as a real subprocess,
// in a real webview: it needs a display, as every webview test does).
import assert from "node:assert/strict";
import { join } from "node:path";
import { scaffoldApp } from "../build/scaffold.ts";

const decoder = new TextDecoder();

Deno.test("scaffold: the new app's own test passes as created", async () => {
  const dir = join(await Deno.makeTempDir({ prefix: "airlock-new-" }), "my app");
  const files = await scaffoldApp(dir);
  assert.deepEqual(files.map((file) => file.slice(dir.length + 1)).sort(), [
    "airlock.conf.json",
    "app_test.ts",
    "commands.ts",
    "deno.json",
    "dist/app.js",
    "dist/index.html",
    "isolation/index.html",
    "isolation/index.js",
  ]);
  const config = JSON.parse(await Deno.readTextFile(join(dir, "airlock.conf.json")));
  assert.equal(config.identifier, "dev.airlock.my-app");
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["task", "test"],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const output = decoder.decode(run.stdout) + decoder.decode(run.stderr);
  assert.ok(run.success, output);
  assert.match(output, /1 passed \| 0 failed/);
});

Deno.test("scaffold: refuses a folder that is not empty", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airlock-new-" });
  await Deno.writeTextFile(join(dir, "keep.txt"), "mine");
  await assert.rejects(scaffoldApp(dir), /is not empty/);
  assert.equal(await Deno.readTextFile(join(dir, "keep.txt")), "mine");
});
