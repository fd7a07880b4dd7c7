// The command line: options parsed strictly (a misspelt option or a missing value is an error, not
// ignored), both `--config FILE` and `--config=FILE`, a --help, and one clear line for a bad DENORT_BIN.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

async function airlock(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    env: { DISPLAY: "", WAYLAND_DISPLAY: "", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("cli: a misspelt option, a missing value or a stray argument is an error with the usage", async () => {
  for (
    const [args, reason] of [
      [["dev", "--ouT", "x"], /Unknown option '--ouT'/],
      [["build", "--config"], /Option '--config <value>' argument missing/],
      [["dev", "--config", "a.json", "stray"], /unexpected argument "stray"/],
    ] as const
  ) {
    const { code, stderr } = await airlock([...args]);
    assert.equal(code, 1, stderr);
    assert.match(stderr, reason);
    assert.match(stderr, /usage: main\.ts dev --config/);
    assert.doesNotMatch(stderr, /\n\s+at /);
  }
});

Deno.test("cli: --config=FILE is the same as --config FILE; --help lists the commands", async () => {
  const missing = "/nonexistent/airlock.conf.json";
  for (const args of [["dev", `--config=${missing}`], ["dev", "--config", missing]]) {
    const { code, stderr } = await airlock(args);
    assert.equal(code, 1);
    assert.match(stderr, /nonexistent\/airlock\.conf\.json/);
    assert.doesNotMatch(stderr, /usage:/);
  }
  const help = await airlock(["--help"]);
  assert.equal(help.code, 0);
  for (const command of ["dev", "build", "compile", "new"]) {
    assert.match(help.stdout, new RegExp(`main\\.ts ${command}`));
  }
});

Deno.test("cli: compile with a DENORT_BIN that is not a file says so, and where denort comes from", async () => {
  const config = fileURLToPath(new URL("../demo/airlock.conf.json", import.meta.url));
  const out = await Deno.makeTempDir();
  const { code, stderr } = await airlock(["compile", "--config", config, "--out", out], {
    DENORT_BIN: "/no/such/denort",
  });
  assert.equal(code, 1);
  assert.match(stderr, /DENORT_BIN=\/no\/such\/denort is not a file\. denort is Deno's runtime/);
  assert.equal(stderr.trim().split("\n").filter((line) => line.startsWith("airlock: DENORT")).length, 1);
});

Deno.test("cli: a commands module with a syntax error is one airlock: line with its file:line, not a stack trace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airlock-cli-" });
  await Deno.mkdir(`${dir}/dist`);
  await Deno.writeTextFile(`${dir}/dist/index.html`, "<p>app</p>");
  await Deno.writeTextFile(`${dir}/commands.ts`, `export const commands = {\n  greet: () => "hi" +,\n};\n`);
  await Deno.writeTextFile(
    `${dir}/airlock.conf.json`,
    JSON.stringify({ identifier: "dev.airlock.cli-test", build: { frontendDist: "dist" } }),
  );
  const { code, stdout, stderr } = await airlock(["dev", "--config", `${dir}/airlock.conf.json`]);
  assert.equal(code, 1, stdout + stderr);
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, stderr);
  assert.match(
    lines[0],
    new RegExp(`^airlock: ${dir}/commands\\.ts:2:\\d+: SyntaxError: Expression expected`),
  );
});
