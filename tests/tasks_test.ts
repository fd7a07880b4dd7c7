// Every `deno task` runs with exactly the permissions deno.json gives it: run here as a user would, each
// must get past what it needs (no "Requires … access", no NotCapable). `test`, `check` and `bench` are this
// suite, CI's checks and the benchmark: they run elsewhere.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runTaskUntil } from "./fixture.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const decoder = new TextDecoder();
const MISSING_PERMISSION = /NotCapable|Requires \w+ access|PermissionDenied/;

async function task(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  return { code: out.code, output: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

Deno.test("tasks: new, build, fuzz and bundle-bridge succeed with their own permissions", async () => {
  const dir = join(await Deno.makeTempDir({ prefix: "airlock-task-" }), "app");
  for (
    const args of [["new", dir], ["build"], ["fuzz", "--count", "300", "--seed", "7"], ["bundle-bridge"]]
  ) {
    const { code, output } = await task(args);
    assert.doesNotMatch(output, MISSING_PERMISSION, `deno task ${args[0]}: ${output}`);
    assert.equal(code, 0, `deno task ${args[0]}: ${output}`);
  }
});

Deno.test("tasks: compile gets as far as denort with its own permissions, and says what is wrong in one line", async () => {
  const { code, output } = await task(["compile"], { DENORT_BIN: "/no/such/denort" });
  assert.doesNotMatch(output, MISSING_PERMISSION, output);
  assert.equal(code, 1);
  assert.match(output, /airlock: DENORT_BIN=\/no\/such\/denort is not a file/);
});

Deno.test("tasks: e2e, the WebDriver specs, pass with their own permissions", async () => {
  // The only run of tests/e2e/ in `deno task test`: the specs are not *_test.ts files, so run once, here.
  const { code, output } = await task(["e2e"], { NO_COLOR: "1" });
  assert.doesNotMatch(output, MISSING_PERMISSION, output);
  assert.equal(code, 0, output);
  assert.match(output, /ok \| 6 passed \| 0 failed/, output);
});

Deno.test("tasks: dev starts the demo with its own permissions", async () => {
  const output = await runTaskUntil("dev", ROOT, new RegExp(`is running|${MISSING_PERMISSION.source}`));
  assert.doesNotMatch(output, MISSING_PERMISSION, output);
  assert.match(output, /airlock: .* is running/, output);
});
