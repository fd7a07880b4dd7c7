// The commands module loader: a broken module is one line with its file:line (a syntax error, a missing
// import, a throw at its top level, wrong exports), a fresh import sees changes to the files it imports,
// and import.meta in a fresh copy still names the original files. No window: these need no display.
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { commandsInputs, CommandsModuleError, importCommandsModule } from "../build/commands_module.ts";
import { isEditorScratch } from "../host/dev.ts";

async function moduleDir(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "airlock-commands-test-" });
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, name), text);
  }
  return dir;
}

async function failure(file: string, fresh = false): Promise<string> {
  try {
    await importCommandsModule(file, { fresh });
  } catch (error) {
    assert.ok(error instanceof CommandsModuleError, `not a CommandsModuleError: ${error}`);
    return error.message;
  }
  throw new Error(`${file} loaded`);
}

Deno.test("commands module: each way of being broken is one line naming the file and line", async () => {
  const dir = await moduleDir({
    "syntax.ts": `export const commands = {\n  a: (x: number) => x +,\n};\n`,
    "missing.ts": `import { y } from "./nowhere.ts";\nexport const commands = { y };\n`,
    "throws.ts": `const x = 1;\nthrow new RangeError("not today " + x);\nexport const commands = {};\n`,
    "deep.ts": `import "./lib/bad.ts";\nexport const commands = {};\n`,
    "lib/bad.ts": `\n\nnull.boom;\n`,
    "noexport.ts": `export const command = {};\n`,
    "notfn.ts": `export const commands = { greet: "hello" };\n`,
    "badsetup.ts": `export const commands = {};\nexport const setup = 42;\n`,
  });
  for (const fresh of [false, true]) {
    // The temp dir is outside the cwd: shown whole.
    const at = (name: string, line: number) => `${join(dir, name)}:${line}:`;
    const syntax = await failure(join(dir, "syntax.ts"), fresh);
    assert.ok(syntax.startsWith(at("syntax.ts", 2)), syntax);
    assert.match(syntax, /: (SyntaxError: Expression expected|Unexpected ",")/, syntax);
    const missing = await failure(join(dir, "missing.ts"), fresh);
    assert.ok(missing.startsWith(at("missing.ts", 1)), missing);
    assert.match(missing, /nowhere\.ts/, missing);
    const throws = await failure(join(dir, "throws.ts"), fresh);
    assert.ok(throws.startsWith(`${at("throws.ts", 2)}7: RangeError: not today 1`), throws);
    const deep = await failure(join(dir, "deep.ts"), fresh);
    assert.ok(deep.startsWith(`${at("lib/bad.ts", 3)}6: `), deep);
    assert.match(deep, /null/, deep);
    for (const message of [syntax, missing, throws, deep]) {
      assert.doesNotMatch(message, /\n/, "one line");
      assert.doesNotMatch(message, /airlock-commands-.*\.mjs/, "never the fresh copy's temp file");
    }
  }
  assert.match(await failure(join(dir, "noexport.ts")), /must export `commands`.*no such export/);
  assert.match(await failure(join(dir, "notfn.ts")), /commands\.greet is not a function \(string\)/);
  assert.match(await failure(join(dir, "badsetup.ts")), /`setup` must be a function/);
});

Deno.test("commands module: a fresh import re-imports the files it imports; import.meta names the originals", async () => {
  const dir = await moduleDir({
    "commands.ts": `import { version } from "./lib/version.ts";
import { join } from "node:path";
export const commands = {
  version: () => version,
  where: () => ({ url: import.meta.url, main: import.meta.main, joined: join("a", "b") }),
  data: () => Deno.readTextFile(new URL("./lib/data.txt", import.meta.url)),
};
export function setup() {}
`,
    "lib/version.ts": `export const version = 1;\nexport const here = import.meta.resolve("./data.txt");\n`,
    "lib/data.txt": "data",
  });
  const file = join(dir, "commands.ts");
  const first = await importCommandsModule(file);
  assert.equal(first.commands.version({}, {} as never), 1);
  assert.equal(typeof first.setup, "function");
  await Deno.writeTextFile(join(dir, "lib", "version.ts"), `export const version = 2;\n`);
  // Deno keeps what it imported: the plain import still sees version 1; a fresh one sees 2.
  assert.equal((await importCommandsModule(file)).commands.version({}, {} as never), 1);
  const fresh = await importCommandsModule(file, { fresh: true });
  assert.equal(fresh.commands.version({}, {} as never), 2);
  assert.deepEqual(fresh.commands.where({}, {} as never), {
    url: pathToFileURL(file).href,
    main: false,
    joined: "a/b",
  });
  assert.equal(await fresh.commands.data({}, {} as never), "data");
  await Deno.writeTextFile(join(dir, "lib", "version.ts"), `export const version = 3;\n`);
  assert.equal((await importCommandsModule(file, { fresh: true })).commands.version({}, {} as never), 3);

  assert.deepEqual(await commandsInputs(file), [file, join(dir, "lib", "version.ts")]);
});

Deno.test("dev: editors' scratch files are no change of the app", () => {
  for (
    const name of [".index.html.swp", ".app.js.swx", "4913", "index.html~", ".#index.html", "#index.html#"]
  ) {
    assert.ok(isEditorScratch(`/app/dist/${name}`), name);
  }
  for (const name of ["index.js___jb_tmp___", ".goutputstream-ABC123", "a.tmp", "notes.airlock-tmp"]) {
    assert.ok(isEditorScratch(`/app/dist/${name}`), name);
  }
  for (const name of ["index.html", "app.js", "movie.swf", "style.css", "tilde~name.js", "4913.js"]) {
    assert.ok(!isEditorScratch(`/app/dist/${name}`), name);
  }
});
