// An isolation app that throws while loading fails the waiting calls at once with its own file:line — an
// index.js, a second script, an inline script of index.html (its line in index.html), a bundled module
// (named, with its bundle's line) — and never with the isolation document's URL, which holds its one-time
// ticket and would reach the page in the rejection.
import assert from "node:assert/strict";
import { launch } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";

const HOOK = `window.__TAURI_ISOLATION_HOOK__ = (m) => m;`;

async function loadError(isolation: Record<string, string>, hook = HOOK): Promise<string> {
  const app = await launch({
    config: await makeApp({ hook, isolation, airlock: { readyTimeoutMs: 8000 } }),
    commands: { echo: (args: unknown) => args },
  });
  try {
    const outcome = await app.evaluate(settle(`window.airlock.invoke("echo", {})`)) as {
      ok: boolean;
      error: string;
    };
    assert.equal(outcome.ok, false, JSON.stringify(outcome));
    assert.match(outcome.error, /^the isolation app failed to load: /);
    assert.doesNotMatch(outcome.error, /ticket|isolation:\/\//);
    return outcome.error;
  } finally {
    await app.close();
  }
}

Deno.test("isolation load errors name the app's own file and line, never the document's URL", async () => {
  // index.js (the fixture's index.html loads it), line 3.
  assert.match(
    await loadError({}, `// a comment\nconst x = 1;\nthrow new Error("setup failed " + x);\n${HOOK}\n`),
    /Error: setup failed 1 \(index\.js:3:\d+\)/,
  );
  // A second script before it: its own name and line.
  assert.match(
    await loadError({
      "index.html": `<!doctype html>\n<script src="lib.js"></script>\n<script src="index.js"></script>`,
      "lib.js": `const ok = 1;\nnull.boom;\n`,
    }),
    /TypeError: .*null.* \(lib\.js:2:\d+\)/,
  );
  // An inline script: its line in index.html.
  assert.match(
    await loadError({
      "index.html": `<!doctype html>\n<meta charset="utf-8">\n<script src="index.js"></script>\n<script>\n` +
        `  const y = 2;\n  throw new RangeError("inline " + y);\n</script>`,
    }),
    /RangeError: inline 2 \(index\.html:6:\d+\)/,
  );
  // A module: bundled, so named with its bundle's line.
  assert.match(
    await loadError({
      "index.html":
        `<!doctype html>\n<script src="index.js"></script>\n<script type="module" src="app.js"></script>`,
      "app.js": `import { part } from "./part.js";\nthrow new Error("module " + part);\n`,
      "part.js": `export const part = "p";\n`,
    }),
    /Error: module p \(app\.js, line \d+ of its bundle\)/,
  );
});
