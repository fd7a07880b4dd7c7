// The README's code blocks are code: every JS/TS block parses as a module, every JSON block parses as a
// config does (JSONC), and every `deno task` / `npm run` in a shell block names a task that exists (in
// this repository, or in the app `deno task new` makes). Running them is tests/webview/readme.ts.
import assert from "node:assert/strict";
import { join } from "node:path";
import { withEsbuild } from "../build/bundle.ts";
import { withoutComments } from "../core/config.ts";
import { scaffoldApp } from "../build/scaffold.ts";
import { readmeBlocks, ROOT } from "./readme_blocks.ts";

const LOADERS: Record<string, "js" | "ts" | "jsx" | "tsx"> = {
  js: "js",
  javascript: "js",
  ts: "ts",
  typescript: "ts",
  jsx: "jsx",
  tsx: "tsx",
};

Deno.test("readme: every JS/TS block parses, every JSON block is a valid JSONC document", async () => {
  let code = 0, json = 0;
  for (const block of readmeBlocks()) {
    const where = `README.md:${block.line} (${block.lang})`;
    const loader = LOADERS[block.lang];
    if (loader) {
      code++;
      const options = { loader, format: "esm", sourcefile: where, logLevel: "silent" } as const;
      await withEsbuild((esbuild) => esbuild.transform(block.code, options)).catch((error) =>
        assert.fail(`${where}: ${error.errors?.[0]?.text ?? error}`)
      );
    } else if (block.lang === "json" || block.lang === "jsonc") {
      json++;
      assert.doesNotThrow(() => JSON.parse(withoutComments(block.code)), where);
    }
  }
  assert.ok(code >= 4 && json >= 1, `only ${code} code and ${json} JSON blocks found: is the pattern wrong?`);
});

Deno.test("readme: every deno task and npm run in a shell block exists", async () => {
  const repoTasks = Object.keys(JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))).tasks);
  const scripts = Object.keys(JSON.parse(await Deno.readTextFile(join(ROOT, "package.json"))).scripts);
  const app = join(await Deno.makeTempDir({ prefix: "airlock-readme-" }), "app");
  await scaffoldApp(app);
  const appTasks = Object.keys(JSON.parse(await Deno.readTextFile(join(app, "deno.json"))).tasks);
  const named: string[] = [];
  for (const block of readmeBlocks().filter((b) => b.lang === "sh" || b.lang === "bash")) {
    for (const [, tool, name] of block.code.matchAll(/\b(deno task|npm run|npm) ([\w-]+)/g)) {
      named.push(name);
      const known = tool === "deno task" ? [...repoTasks, ...appTasks] : tool === "npm run" ? scripts : [
        ...scripts,
        "install",
        "ci",
      ];
      assert.ok(known.includes(name), `README.md:${block.line}: "${tool} ${name}" is not a task`);
    }
  }
  assert.ok(named.includes("dev") && named.includes("test"), named.join(", "));
});
