// The README's "Writing an app" blocks, run as written: its config, isolation hook, commands module (which
// imports "airlock/mod.ts") and frontend lines make an app that answers as the README says; the hook
// refuses what it says it refuses; the "From code and tests" block runs as a module at the repository's
// root.
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { launch } from "../../mod.ts";
import { importCommandsModule } from "../../build/commands_module.ts";
import { block, blockWith, ROOT } from "../readme_blocks.ts";
import { settle } from "../fixture.ts";

/** A module's top-level const names, so a test can see what a block computed. */
function exported(code: string): string {
  const names = [...code.matchAll(/^const (\w+)\s*=/gm)].map((m) => m[1]);
  return names.length ? `\nexport { ${names.join(", ")} };\n` : "";
}

Deno.test("readme: the Writing an app blocks make an app that works as described", async () => {
  const root = await Deno.makeTempDir({ prefix: "airlock-readme-app-" });
  const files: Record<string, string> = {
    "airlock.conf.json": block("airlock.conf.json").code,
    "isolation/index.html": `<script src="index.js"></script>`,
    "isolation/index.js": block("isolation/index.js").code,
    "commands.ts": block("commands.ts").code,
    "dist/index.html": `<!doctype html><meta charset="utf-8"><script type="module" src="app.js"></script>`,
    // The frontend lines, run as the page's module; what they computed (or threw) kept for the test.
    "dist/app.js": `try {\n  window.readme = await import("./snippet.js");\n} catch (error) {\n` +
      `  window.readme = { error: String(error?.message ?? error) };\n}\n`,
    "dist/snippet.js": block("in the frontend").code + exported(block("in the frontend").code),
  };
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, name), text);
  }
  // The notes file the frontend lines read, in the app's data folder ($APPDATA), under a throwaway home.
  const dataHome = await Deno.makeTempDir({ prefix: "airlock-readme-data-" });
  const identifier = JSON.parse(block("airlock.conf.json").code.replace(/^\/\/.*$/m, "")).identifier;
  await Deno.mkdir(join(dataHome, identifier), { recursive: true });
  await Deno.writeTextFile(join(dataHome, identifier, "notes.txt"), "milk, eggs");
  const previous = Deno.env.get("XDG_DATA_HOME");
  Deno.env.set("XDG_DATA_HOME", dataHome);
  try {
    const { commands } = await importCommandsModule(join(root, "commands.ts"));
    const app = await launch({ config: join(root, "airlock.conf.json"), commands });
    try {
      const seen = await app.evaluate(`new Promise((resolve) => {
        const wait = () => window.readme ? resolve({ ...window.readme }) : setTimeout(wait, 20);
        wait();
      })`);
      assert.deepEqual(seen, { greeting: "Hello, Ada (main)", notes: "milk, eggs" });
      // The hook refuses an fs path with "..", as its block says.
      const refused = await app.evaluate(
        settle(`window.airlock.fs.readTextFile("../notes.txt", { baseDir: "appData" })`),
      ) as { ok: boolean; error: string };
      assert.equal(refused.ok, false);
      assert.match(
        refused.error,
        /isolation hook refused the call: path outside the app's folders \(from window main\)/,
      );
    } finally {
      await app.close();
    }
  } finally {
    if (previous === undefined) Deno.env.delete("XDG_DATA_HOME");
    else Deno.env.set("XDG_DATA_HOME", previous);
  }
});

Deno.test("readme: the From code and tests block runs at the repository's root", async () => {
  const { code } = blockWith("ts", `launch({ config: "demo/airlock.conf.json"`);
  // As if the block were a file at the root: its relative imports resolved from there.
  const atRoot = code.replace(
    /(from\s+")(\.\.?\/[^"]+)"/g,
    (_, from, path) => `${from}${new URL(path, pathToFileURL(ROOT)).href}"`,
  );
  const file = await Deno.makeTempFile({ prefix: "airlock-readme-", suffix: ".ts" });
  const cwd = Deno.cwd();
  try {
    await Deno.writeTextFile(file, atRoot + exported(code));
    Deno.chdir(ROOT); // its config path is the repository's
    const module = await import(pathToFileURL(file).href);
    assert.equal(module.answer, "Hello, Ada!");
  } finally {
    Deno.chdir(cwd);
    await Deno.remove(file);
  }
});
