// `deno task build` / `compile`: the app runs from its generated module with no asset folders present and
// from any working directory; the compile path never reports an executable it did not make and run.
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { embedApp } from "../build/embed.ts";
import { makeApp } from "./fixture.ts";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const decoder = new TextDecoder();

async function run(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const out = await new Deno.Command(Deno.execPath(), { args, ...options, stdout: "piped", stderr: "piped" })
    .output();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A throwaway app with a commands module, built; then its asset folders are deleted. */
async function builtApp(options: { keepFolders?: boolean } = {}) {
  const config = await makeApp({
    frontend: { "index.html": `<!doctype html><p id="from">embedded frontend</p>`, "data.json": `{"n": 42}` },
    hook: `window.__TAURI_ISOLATION_HOOK__ = (m) => ({ ...m, payload: { ...m.payload, hooked: true } });`,
  });
  const root = dirname(dirname(config));
  await Deno.writeTextFile(
    join(root, "commands.ts"),
    `export const commands = { echo: (args: unknown) => args };\n`,
  );
  const raw = JSON.parse(await Deno.readTextFile(config));
  raw.airlock = { commands: "../commands.ts" };
  await Deno.writeTextFile(config, JSON.stringify(raw));
  // Capability files are read at build time: the shipped app enforces them without the folder.
  await Deno.mkdir(join(dirname(config), "capabilities"));
  await Deno.writeTextFile(
    join(dirname(config), "capabilities", "default.json"),
    JSON.stringify({ identifier: "default", windows: ["main"], permissions: ["core:app:default"] }),
  );
  const out = join(root, "out");
  const result = await embedApp(config, out);
  if (!options.keepFolders) {
    await Deno.remove(join(root, "dist"), { recursive: true });
    await Deno.remove(join(root, "dist-isolation"), { recursive: true });
  }
  return { root, config, out, result };
}

Deno.test("build: the report says what was built", async () => {
  const { result } = await builtApp();
  assert.match(result.report[0], /^frontend: 2 files, \d+ B$/);
  assert.match(result.report[1], /^isolation app .* built in \d+ ms: index\.html of .* from 2 files$/);
  assert.match(result.report.at(-1)!, /assets\.gen\.ts \(.+\) and .*main\.gen\.ts in \d+ ms$/);
});

Deno.test("build: the app runs from the generated module, no asset folders, from an empty working directory", async () => {
  const { out, config } = await builtApp();
  const empty = await Deno.makeTempDir({ prefix: "airlock-empty-cwd-" });
  // The generated entry starts and reports on what it carries.
  const check = await run(["run", "-A", join(out, "main.gen.ts")], {
    cwd: empty,
    env: { AIRLOCK_SELF_CHECK: "1" },
  });
  assert.equal(
    check.stdout.trim(),
    "airlock self-check ok: 2 frontend files, isolation, 1 commands",
    check.stderr,
  );
  // And it really serves: a window from memory, a call through the embedded isolation app.
  const runner = join(empty, "..", `${empty.split("/").pop()}-runner.ts`);
  await Deno.writeTextFile(
    runner,
    `import { launch } from ${JSON.stringify(join(ROOT, "mod.ts"))};
import { app } from ${JSON.stringify(join(out, "assets.gen.ts"))};
const handle = await launch({ embedded: app, commands: { echo: (args) => args } });
const result = await handle.evaluate(\`(async () => ({
  text: document.getElementById("from").textContent,
  data: await fetch("/data.json").then((r) => r.json()),
  echo: await window.airlock.invoke("echo", { x: 1 }),
  name: await window.airlock.app.getName(),
  setTitle: await window.airlock.window.setTitle("x").then(() => "ran", (e) => String(e)),
}))()\`);
console.log(JSON.stringify(result));
await handle.close();
`,
  );
  await Deno.remove(join(dirname(config), "capabilities"), { recursive: true });
  const served = await run(["run", "-A", runner], { cwd: empty });
  const line = served.stdout.trim().split("\n").pop()!;
  assert.equal(served.code, 0, served.stderr);
  assert.deepEqual(JSON.parse(line), {
    text: "embedded frontend",
    data: { n: 42 },
    echo: { x: 1, hooked: true },
    name: "Airlock app",
    setTitle: 'plugin:window|set_title not allowed for window "main": none of its capabilities (default) ' +
      "grants it; permissions that would: core:window:allow-set-title",
  }, served.stderr);
  assert.deepEqual([...Deno.readDirSync(empty)], []); // nothing was written where it ran
});

Deno.test("compile: an executable is made and runs, or the reason is one line; never a fake", async () => {
  const { config, out } = await builtApp({ keepFolders: true }); // compile builds again
  const output = join(out, "fixture-app");
  const compile = (env?: Record<string, string>) =>
    run(["run", "-A", join(ROOT, "main.ts"), "compile", "--config", config, "--output", output], {
      cwd: out,
      env,
    });
  // Offline here, so deno compile cannot download denort; where it can, the executable must self-check.
  const plain = await compile();
  if (plain.code === 0) {
    assert.match(plain.stdout, /airlock self-check ok/);
    assert.ok((await Deno.stat(output)).isFile);
  } else {
    const errors = plain.stderr.trim().split("\n").filter((line) => line.startsWith("airlock:"));
    assert.deepEqual(errors.length, 1, plain.stderr);
    assert.match(errors[0], /could not download its runtime \(denort\).*Set DENORT_BIN/);
    await assert.rejects(Deno.stat(output), Deno.errors.NotFound);
  }
  // A DENORT_BIN that is not a denort (the full deno CLI ignores an embedded app): caught, nothing left.
  const wrong = await compile({ DENORT_BIN: Deno.execPath() });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /the compiled executable does not run \(is DENORT_BIN=.* a denort of Deno/);
  await assert.rejects(Deno.stat(output), Deno.errors.NotFound);
});
