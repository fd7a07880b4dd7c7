// The primordials rule (protocol/primordials.ts, at the top) as a lint over the bridge's browser modules,
// parsed for real: esbuild strips the TypeScript, acorn parses what is left, a small scope analysis finds
// the names. Every bridge module names no global except the few below (a global is looked up when the
// code runs, after page scripts may have replaced it); the page-world modules, which share their realm
// with the page's scripts, also use no syntax that looks a property up through a prototype a page can
// change (method calls, iterators, `await`'s `then`, `in`/`instanceof` walks, tagged templates).
// The primordials modules themselves (protocol/primordials.ts, protocol/intrinsics.ts, frontend/dom.ts) are
// where globals are taken, so they are not checked.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
// deno-lint-ignore no-import-prefix
import * as acorn from "npm:acorn@8.19.0";
// deno-lint-ignore no-import-prefix
import type * as Esbuild from "npm:esbuild@0.28.2";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Modules evaluated in the page's own realm: the stricter syntax rules apply to them. */
const PAGE_WORLD = ["frontend/page.ts", "frontend/page_api.ts", "frontend/page_entry.ts", "frontend/link.ts"];

/** Every module bundled into a bridge script, except the primordials modules. */
const BRIDGE = [
  ...PAGE_WORLD,
  "frontend/relay.ts",
  "frontend/relay_calls.ts",
  "frontend/relay_frame.ts",
  "frontend/relay_entry.ts",
  "isolation/runtime.ts",
  "protocol/seal.ts",
  "protocol/wire.ts",
  "protocol/messages.ts",
];

/** Free names that are not lookups a page can redirect: non-writable globals, and the host's constant. */
const ALLOWED_GLOBALS = new Set(["undefined", "NaN", "Infinity", "AIRLOCK_CONFIG"]);

/** An ESTree node as acorn makes it; fields are read by name, so they stay unknown until checked. */
interface AstNode {
  type: string;
  start: number;
  end: number;
  loc: acorn.SourceLocation;
  [field: string]: unknown;
}

/** Something to report: the node it is about and the rule it breaks. */
interface Hit {
  node: AstNode;
  parent: AstNode | null;
  rule: string;
}

/** What one walk over a module collects. */
interface Scan {
  declared: Set<string>;
  references: Hit[];
  pageHits: Hit[];
}

// ---- Scope analysis ------------------------------------------------------------------------------------

/** Whether a field holds a child node (acorn also stores locations and literal values on nodes). */
function isNode(value: unknown): value is AstNode {
  return typeof value === "object" && value !== null && typeof (value as AstNode).type === "string";
}

/**
 * Whether the child in `key` of `node` declares names, given whether `node` itself is in a binding
 * position: declarators, function names and params, class names, catch params and import locals start a
 * pattern; inside one, only the parts that receive values bind (keys and default values do not).
 */
function bindsChild(node: AstNode, key: string, binding: boolean): boolean {
  switch (node.type) {
    case "VariableDeclarator":
      return key === "id";
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "ArrowFunctionExpression":
      return key === "id" || key === "params";
    case "ClassDeclaration":
    case "ClassExpression":
      return key === "id";
    case "CatchClause":
      return key === "param";
    case "ImportSpecifier":
    case "ImportDefaultSpecifier":
    case "ImportNamespaceSpecifier":
      return key === "local";
    case "ObjectPattern":
    case "ArrayPattern":
      return binding;
    case "Property":
      return binding && key === "value";
    case "AssignmentPattern":
      return binding && key === "left";
    case "RestElement":
      return binding && key === "argument";
    default:
      return false;
  }
}

/**
 * Whether an Identifier in `key` of `parent` (outside a binding) reads a variable. Names that are only
 * labels for something else are not: `a.b`'s b, object and class member keys, statement labels, the
 * exported name of a specifier, import.meta.
 */
function isReference(parent: AstNode | null, key: string): boolean {
  if (parent === null) return true;
  switch (parent.type) {
    case "MemberExpression":
      return key !== "property" || parent.computed === true;
    case "Property":
    case "MethodDefinition":
    case "PropertyDefinition":
      return key !== "key" || parent.computed === true;
    case "LabeledStatement":
    case "BreakStatement":
    case "ContinueStatement":
      return key !== "label";
    case "ImportSpecifier":
      return key !== "imported";
    case "ExportSpecifier":
      return key !== "exported";
    case "MetaProperty":
      return false;
    default:
      return true;
  }
}

/** Re-exports name another module's bindings, not this one's: nothing under them is a reference here. */
function skipsChildren(node: AstNode): boolean {
  return node.type === "ExportAllDeclaration" ||
    (node.type === "ExportNamedDeclaration" && node.source != null);
}

// ---- Page-world syntax ---------------------------------------------------------------------------------

/** The page-world rule a node breaks, if any: each of these looks something up at run time. */
function pageRule(node: AstNode): string | null {
  switch (node.type) {
    case "CallExpression": // a.b() reads b through a's prototype chain when it runs
      return (node.callee as AstNode).type === "MemberExpression" ? "method call" : null;
    case "AwaitExpression": // awaiting reads `then`, Promise.prototype's or the value's
      return "await";
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "ArrowFunctionExpression": // an async function's await and return go through `then`
      return node.async === true ? "async function" : null;
    case "ForOfStatement": // iterates through Symbol.iterator and `next`, both replaceable
      return "for-of";
    case "SpreadElement": // iterable spread uses the iterator; object spread runs getters
      return "spread";
    case "ArrayPattern": // array destructuring uses the iterator too
      return "array destructuring";
    case "BinaryExpression":
      if (node.operator === "instanceof") return "instanceof"; // reads Symbol.hasInstance, walks prototypes
      return node.operator === "in" && !isMarkerCheck(node.left as AstNode) ? "in" : null; // walks prototypes
    case "TaggedTemplateExpression": // the tag is called with a template object from the realm
      return "tagged template";
    default:
      return null;
  }
}

/** `"__AIRLOCK_…" in win`: the entry's check for its own marker, which it defines non-configurable; and
 * `"then" in value` (not used by the bridge any more; allowed: it runs no getter, only a Proxy's trap). */
function isMarkerCheck(left: AstNode): boolean {
  return left.type === "Literal" && typeof left.value === "string" &&
    (left.value.startsWith("__AIRLOCK") || left.value === "then");
}

// ---- Walk ----------------------------------------------------------------------------------------------

/** Visits every node once, recording declarations, references and page-rule hits. */
function walk(node: AstNode, parent: AstNode | null, key: string, binding: boolean, scan: Scan): void {
  if (node.type === "Identifier") {
    if (binding) scan.declared.add(node.name as string);
    else if (isReference(parent, key)) scan.references.push({ node, parent, rule: "global" });
    return;
  }
  const rule = pageRule(node);
  if (rule !== null) scan.pageHits.push({ node, parent, rule });
  if (skipsChildren(node)) return;
  for (const [childKey, value] of Object.entries(node)) {
    for (const child of Array.isArray(value) ? value : [value]) {
      if (isNode(child)) walk(child, node, childKey, bindsChild(node, childKey, binding), scan);
    }
  }
}

// ---- Source positions ----------------------------------------------------------------------------------

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** One source map segment's base64 VLQ fields. */
function decodeVlq(segment: string): number[] {
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = shift = 0;
    }
  }
  return fields;
}

/** For each generated line, its [generated column, source line, source column] segments (0-based). */
function decodeMappings(mappings: string): number[][][] {
  let sourceLine = 0;
  let sourceColumn = 0;
  return mappings.split(";").map((line) => {
    let column = 0;
    const segments: number[][] = [];
    for (const segment of line.split(",")) {
      if (segment === "") continue;
      const fields = decodeVlq(segment);
      column += fields[0];
      if (fields.length < 4) continue;
      sourceLine += fields[2];
      sourceColumn += fields[3];
      segments.push([column, sourceLine, sourceColumn]);
    }
    return segments;
  });
}

/** The position in the TypeScript source (1-based line and column) of one in esbuild's output. */
function originalPosition(lines: number[][][], position: acorn.Position): string {
  const segments = lines[position.line - 1] ?? [];
  let best = segments[0];
  for (const segment of segments) if (segment[0] <= position.column) best = segment;
  return best ? `${best[1] + 1}:${best[2] + 1}` : `${position.line}:${position.column + 1}`;
}

/** The code a hit is about, on one short line; a global is shown with the member it reads, if any. */
function snippet(code: string, hit: Hit): string {
  const { node, parent } = hit;
  const shown = node.type === "Identifier" && parent?.type === "MemberExpression" && parent.object === node
    ? parent
    : node;
  const text = code.slice(shown.start, shown.end).replace(/\s+/g, " ");
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// ---- Checker -------------------------------------------------------------------------------------------

/** The violations in one module's source: "file:line:col: rule: snippet", in source order. */
async function lintSource(
  esbuild: typeof Esbuild,
  file: string,
  source: string,
  page: boolean,
): Promise<string[]> {
  const { code, map } = await esbuild.transform(source, {
    loader: "ts",
    sourcefile: file,
    sourcemap: "external",
  });
  const program = acorn.parse(code, { ecmaVersion: "latest", sourceType: "module", locations: true });
  const scan: Scan = { declared: new Set(), references: [], pageHits: [] };
  walk(program as unknown as AstNode, null, "", false, scan);
  // The module-wide set of declarations: a name declared anywhere in the module is not a global here.
  const globals = scan.references.filter((hit) => {
    const name = hit.node.name as string;
    return !scan.declared.has(name) && !ALLOWED_GLOBALS.has(name);
  });
  const hits = page ? [...globals, ...scan.pageHits] : globals;
  const lines = decodeMappings(JSON.parse(map).mappings);
  return hits
    .sort((a, b) => a.node.start - b.node.start)
    .map((hit) =>
      `${file}:${originalPosition(lines, hit.node.loc.start)}: ${hit.rule}: ${snippet(code, hit)}`
    );
}

/** Loads esbuild for one test; the test stops it when done so no child process outlives it. */
function loadEsbuild(): Promise<typeof Esbuild> {
  // deno-lint-ignore no-import-prefix
  return import("npm:esbuild@0.28.2");
}

Deno.test("bridge modules follow the primordials rule (no globals; page world: no prototype lookups)", async () => {
  const esbuild = await loadEsbuild();
  try {
    const violations: string[] = [];
    for (const file of BRIDGE) {
      const source = await Deno.readTextFile(`${ROOT}${file}`);
      violations.push(...await lintSource(esbuild, file, source, PAGE_WORLD.includes(file)));
    }
    assert.deepEqual(
      violations,
      [],
      `${violations.length} primordials rule violation(s) (see protocol/primordials.ts):\n${
        violations.join("\n")
      }`,
    );
  } finally {
    await esbuild.stop();
  }
});

Deno.test("the bridge lint flags what the rule forbids and nothing else", async () => {
  const esbuild = await loadEsbuild();
  // The rules a snippet breaks, without positions.
  const rules = async (source: string, page = true) =>
    (await lintSource(esbuild, "inline.ts", source, page)).map((line) =>
      line.replace(/^inline\.ts:\d+:\d+: /, "")
    );
  try {
    // Globals, in every bridge module.
    assert.deepEqual(await rules(`import { x } from "./x.ts"; Object.keys(x);`, false), [
      "global: Object.keys",
    ]);
    assert.deepEqual(await rules(`window.foo;`, false), ["global: window.foo"]);
    assert.deepEqual(await rules(`const t: number = typeof document;`, false), ["global: document"]);
    assert.deepEqual(
      await rules(`export const f = () => undefined ?? NaN ?? Infinity ?? AIRLOCK_CONFIG;`),
      [],
    );

    // Page-world syntax, only in page-world modules.
    const imports = `import { b, p, x } from "./x.ts";`;
    assert.deepEqual(await rules(`${imports} x.push(1);`), ["method call: x.push(1)"]);
    assert.deepEqual(await rules(`${imports} x.push(1);`, false), []);
    assert.deepEqual(await rules(`${imports} x[b]();`), ["method call: x[b]()"]);
    assert.deepEqual(await rules(`${imports} for (const a of b) {}`), ["for-of: for (const a of b) { }"]);
    assert.deepEqual(await rules(`${imports} await p;`), ["await: await p"]);
    assert.deepEqual(await rules(`export const f = async () => 1;`), ["async function: async () => 1"]);
    assert.deepEqual(await rules(`${imports} [...b]; ({ ...b });`), ["spread: ...b", "spread: ...b"]);
    assert.deepEqual(await rules(`${imports} const [a] = b;`), ["array destructuring: [a]"]);
    assert.deepEqual(await rules(`${imports} "k" in x; x instanceof b;`), [
      `in: "k" in x`,
      "instanceof: x instanceof b",
    ]);
    assert.deepEqual(await rules(`${imports} "__AIRLOCK_BRIDGE__" in x; "then" in x;`), []);
    assert.deepEqual(await rules(`${imports} x\`t\`;`), ["tagged template: x`t`"]);

    // Names that are not references to globals.
    assert.deepEqual(await rules(`const o = { keys: 1 }; o.keys;`), []);
    assert.deepEqual(await rules(`import { a, own } from "./x.ts"; own(a, "b");`), []);
    assert.deepEqual(await rules(`export function f(x: number) { return () => () => x; }`), []);
    assert.deepEqual(
      await rules(`${imports} const { a, b: { c = a }, ...rest } = x; export { a, c as d, rest };`),
      [],
    );
    assert.deepEqual(
      await rules(
        `import Base from "./base.ts";
        export function g({ a = 1 }: { a?: number }, ...more: number[]) {
          outer: for (;;) { if (a) break outer; continue outer; }
          try { return more; } catch (error) { return error; }
        }
        export class K extends Base { m() { return this; } p = 1; static s = 2; #q = 3; get q() { return this.#q; } }
        export const meta = import.meta.url;
        export { g as h };
        export { z } from "./z.ts";`,
      ),
      [],
    );
    // Positions are the TypeScript source's, not esbuild's output's.
    assert.deepEqual(
      await lintSource(
        esbuild,
        "inline.ts",
        `type T = {\n  a: string;\n};\n\nconst v: T = { a: "" };\nwindow.v = v;`,
        false,
      ),
      ["inline.ts:6:1: global: window.v"],
    );
  } finally {
    await esbuild.stop();
  }
});
