// Dev's console lines (`console: true`), read from a real app process's output: objects, arrays, Maps,
// cycles and errors printed readably, the isolation app's lines without its document's URL (no one-time
// ticket), each line saying which window and frame and file:line it came from, terminal escapes from a page
// escaped. Needs a display, as every webview test does.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeApp } from "./fixture.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;

const PAGE = `const cycle = { name: "c" }; cycle.self = cycle;
console.log("page", { a: 1, b: [1, 2], s: "x" }, new Map([["k", 1]]), cycle);
console.warn("%s is %d, %o", "Ada", 36, { x: 1 }, "\\u001b[31mred\\u001b[0m");
console.error(new TypeError("boom"));
window.logged = true;
`;

async function run(consoleOn: boolean): Promise<string> {
  const config = await makeApp({
    frontend: { "index.html": `<!doctype html><script src="app.js"></script>`, "app.js": PAGE },
  });
  const script = join(await Deno.makeTempDir({ prefix: "airlock-console-" }), "run.ts");
  await Deno.writeTextFile(
    script,
    `import { launch } from ${JSON.stringify(MOD)};
const app = await launch({ config: ${JSON.stringify(config)}, console: ${consoleOn} });
await app.evaluate("new Promise((r) => { const w = () => window.logged ? r(1) : setTimeout(w, 10); w(); })");
await app.evaluate(\`window.airlock.invoke("plugin:app|version")\`); // through the hook, which logs it
await new Promise((r) => setTimeout(r, 300));
await app.close();
Deno.exit(0);
`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", script],
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  return text;
}

Deno.test("dev console: readable objects, window/frame/file:line, no isolation ticket, escapes escaped", async () => {
  const text = await run(true);
  const line = (pattern: RegExp) => text.split("\n").find((l) => pattern.test(l)) ?? "";
  assert.match(
    line(/CONSOLE LOG \[main page/),
    /\[main page \/app\.js:2:\d+\] page \{ a: 1, b: \[ 1, 2 \], s: "x" \} Map\(1\) \{ "k" => 1 \} \{ name: "c", self: \[Circular\] \}$/,
  );
  assert.match(
    line(/CONSOLE WARN/),
    /\[main page \/app\.js:3:\d+\] Ada is 36, \{ x: 1 \} \\x1b\[31mred\\x1b\[0m$/,
  );
  assert.match(line(/CONSOLE ERROR/), /\[main page \/app\.js:4:\d+\] TypeError: boom$/);
  // The seed hook logs each call: its line comes from the isolation frame, with the call shown.
  assert.match(
    line(/\[main isolation/),
    /\[main isolation \/:\d+:\d+\] hook \{ cmd: "plugin:app\|version", /,
  );
  assert.doesNotMatch(text, /ticket|\[object Object\]/);
  assert.ok(!text.includes("\u001b[31m"), "a page's escape sequence reached the terminal raw");
});

Deno.test("dev console: not there without console: true", async () => {
  const text = await run(false);
  assert.doesNotMatch(text, /CONSOLE|\[main page/);
});
