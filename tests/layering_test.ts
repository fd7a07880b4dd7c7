// The layering, read from the import graph: each folder imports only what its job needs, the core
// imports no FFI, and nothing a shipped app runs imports the build code or the CLI.
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
// Static imports and re-exports only: a dynamic import() is the documented way to load build code on demand.
const IMPORT = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?["']([^"']+)["']/gm;

/** Repository-relative paths of the local modules `file` imports statically. */
function importsOf(file: string): string[] {
  const text = Deno.readTextFileSync(join(ROOT, file));
  const out: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1];
    if (!spec.startsWith(".")) continue;
    const target = relative(ROOT, resolve(dirname(join(ROOT, file)), spec));
    // Generated code inside a template string (build/scaffold.ts) names files of the app it writes.
    if (exists(target)) out.push(target);
  }
  return out;
}

function exists(file: string): boolean {
  try {
    return Deno.statSync(join(ROOT, file)).isFile;
  } catch {
    return false;
  }
}

/** Every local module reachable from `roots` by static imports. */
function reachable(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...importsOf(file));
  }
  return seen;
}

function modulesIn(folder: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(join(ROOT, folder))) {
    if (entry.isFile && entry.name.endsWith(".ts")) out.push(join(folder, entry.name));
    if (entry.isDirectory) out.push(...modulesIn(join(folder, entry.name)));
  }
  return out;
}

const top = (file: string) => file.includes("/") ? file.slice(0, file.indexOf("/")) : file;

/** What each folder may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  protocol: [],
  frontend: ["protocol"], // browser code only
  isolation: ["protocol", "frontend"], // the runtime is a browser module; documents take its bundle
  native: ["protocol"],
  core: ["protocol", "isolation"],
  host: ["core", "native", "frontend", "isolation", "protocol"],
};

Deno.test("layering: each folder imports only the layers below it; the core imports no FFI", () => {
  const problems: string[] = [];
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    for (const file of modulesIn(folder)) {
      for (const target of importsOf(file)) {
        const layer = top(target);
        if (layer !== folder && !allowed.includes(layer)) problems.push(`${file} imports ${target}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("layering: what a shipped app runs reaches neither build/ nor the CLI", () => {
  const runtime = reachable(["mod.ts", "host/embedded.ts"]);
  const outside = [...runtime].filter((file) => top(file) === "build" || file === "main.ts");
  assert.deepEqual(outside, []);
  // The check sees the graph: the CLI does reach the build code.
  assert.ok(reachable(["main.ts"]).has("build/embed.ts"));
});
