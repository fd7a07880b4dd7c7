// `main.ts new <dir>` creates an app that passes its own test as created, also once moved elsewhere, and
// whose tasks (dev, test, build, compile) run with the permissions they declare (run here as real
// subprocesses, in a real webview: it needs a display, as every webview test does).
import assert from "node:assert/strict";
import { join } from "node:path";
import { scaffoldApp } from "../build/scaffold.ts";
import { runTaskUntil } from "./fixture.ts";

const decoder = new TextDecoder();
const MISSING_PERMISSION = /NotCapable|Requires \w+ access|PermissionDenied/;

Deno.test("scaffold: the new app, moved elsewhere, passes its own test; its tasks work with their own permissions", async () => {
  const made = join(await Deno.makeTempDir({ prefix: "airlock-new-" }), "my app");
  const files = await scaffoldApp(made);
  assert.deepEqual(files.map((file) => file.slice(made.length + 1)).sort(), [
    ".gitignore",
    "airlock.conf.json",
    "app_test.ts",
    "commands.ts",
    "deno.json",
    "dist/app.js",
    "dist/index.html",
    "isolation/index.html",
    "isolation/index.js",
    "webdriver_test.ts",
  ]);
  const config = JSON.parse(await Deno.readTextFile(join(made, "airlock.conf.json")));
  assert.equal(config.identifier, "dev.airlock.my-app");
  // Moved to another folder, at another depth: nothing in it may depend on where it was made.
  const dir = join(await Deno.makeTempDir({ prefix: "airlock-moved-" }), "deeper", "still my app");
  await Deno.mkdir(join(dir, ".."), { recursive: true });
  await Deno.rename(made, dir);
  const task = async (args: string[], env: Record<string, string> = {}) => {
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["task", ...args],
      cwd: dir,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const output = decoder.decode(run.stdout) + decoder.decode(run.stderr);
    assert.doesNotMatch(output, MISSING_PERMISSION, `deno task ${args[0]}: ${output}`);
    return { code: run.code, output };
  };

  const test = await task(["test"]);
  assert.equal(test.code, 0, test.output);
  assert.match(test.output, /2 passed \| 0 failed/);
  // Its WebDriver test among them: WebKitWebDriver started the app and WebdriverIO clicked through it.
  assert.match(test.output, /greet, clicked through WebDriver \.\.\. .*ok/);

  const build = await task(["build"]);
  assert.equal(build.code, 0, build.output);
  // The built entry runs (self-check: it carries the app and imports the commands module).
  const entry = join(dir, ".airlock", "main.gen.ts");
  const check = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-ffi", "--allow-env", "--allow-read", "--allow-write", "--allow-net", entry],
    cwd: dir,
    env: { AIRLOCK_SELF_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.match(
    decoder.decode(check.stdout),
    /airlock self-check ok: 2 frontend files, isolation, 1 commands/,
  );

  const compile = await task(["compile"], { DENORT_BIN: "/no/such/denort" });
  assert.equal(compile.code, 1, compile.output);
  assert.match(compile.output, /airlock: DENORT_BIN=\/no\/such\/denort is not a file/);

  const output = await runTaskUntil("dev", dir, /is running|error/i);
  assert.doesNotMatch(output, MISSING_PERMISSION, output);
  assert.match(output, /airlock: my-app is running \(1 commands\)/, output);
});

Deno.test("scaffold: refuses a folder that is not empty", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airlock-new-" });
  await Deno.writeTextFile(join(dir, "keep.txt"), "mine");
  await assert.rejects(scaffoldApp(dir), /is not empty/);
  assert.equal(await Deno.readTextFile(join(dir, "keep.txt")), "mine");
});
