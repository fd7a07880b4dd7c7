// Unit tests of the isolation build (build/: inlining, esbuild bundles, CSP hashes), on real folders in a temp
// dir.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { isAbsolute, join, relative, resolve } from "node:path";
import vm from "node:vm";
import {
  buildIsolationDocument,
  cspHash,
  insertScriptFirst,
  IsolationBuildError,
  isolationCsp,
  type IsolationDocument,
} from "../build/isolation.ts";
import { tags } from "../build/html.ts";
import { sessionDocument } from "../isolation/document.ts";
import { runtimeScript, sessionConfig } from "../isolation/document.ts";

const HOOK = `window.__TAURI_ISOLATION_HOOK__ = (payload) => payload;`;

/** SHA-256 CSP source computed here, independently of cspHash (Node's base64, not btoa). */
async function expectedHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${Buffer.from(digest).toString("base64")}'`;
}

/** Writes files (path → content, "/" separated, folders created) into a fresh temp dir. */
async function tempTree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "airlock-build-test-" });
  for (const [name, content] of Object.entries(files)) {
    const file = join(root, ...name.split("/"));
    await Deno.mkdir(resolve(file, ".."), { recursive: true });
    await Deno.writeTextFile(file, content);
  }
  return root;
}

/** Runs fn on a temp tree and removes the tree afterwards. */
async function withTree(files: Record<string, string>, fn: (root: string) => Promise<void>): Promise<void> {
  const root = await tempTree(files);
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function buildFails(dir: string, pattern: RegExp): Promise<void> {
  await assert.rejects(buildIsolationDocument(dir), (error: Error) => {
    assert.ok(error instanceof IsolationBuildError, `expected IsolationBuildError, got ${error}`);
    assert.equal(error.name, "IsolationBuildError");
    assert.match(error.message, pattern);
    return true;
  });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// ---------------------------------------------------------------- cspHash

Deno.test("cspHash: known SHA-256 vectors, quoted sha256- source", async () => {
  assert.equal(await cspHash(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
  assert.equal(await cspHash("abc"), "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
});

Deno.test("cspHash: hashes the UTF-8 bytes and is sensitive to every character", async () => {
  const text = "window.x = 'héllo — 🔒';\n";
  assert.equal(await cspHash(text), await expectedHash(text));
  assert.notEqual(await cspHash("a\n"), await cspHash("a\r\n"));
  assert.notEqual(await cspHash("a"), await cspHash("a "));
  assert.match(await cspHash(HOOK), /^'sha256-[A-Za-z0-9+/]{43}='$/);
});

// ---------------------------------------------------------------- isolationCsp

Deno.test("isolationCsp: lists the hashes in order, locks everything else down", () => {
  assert.equal(
    isolationCsp(["'sha256-AAA='", "'sha256-BBB='"]),
    "default-src 'none'; script-src 'sha256-AAA=' 'sha256-BBB='; style-src 'none'; " +
      "base-uri 'none'; form-action 'none'",
  );
  assert.equal(
    isolationCsp(["'sha256-ONE='"], []),
    "default-src 'none'; script-src 'sha256-ONE='; style-src 'none'; base-uri 'none'; form-action 'none'",
  );
});

Deno.test("isolationCsp: no hashes means no scripts at all, never an empty script-src", () => {
  const csp = isolationCsp([]);
  assert.equal(
    csp,
    "default-src 'none'; script-src 'none'; style-src 'none'; base-uri 'none'; form-action 'none'",
  );
  assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'|\*/);
});

Deno.test("isolationCsp: style hashes go to style-src, in order, with no 'unsafe-inline'", () => {
  const csp = isolationCsp(["'sha256-S='"], ["'sha256-C1='", "'sha256-C2='"]);
  assert.equal(
    csp,
    "default-src 'none'; script-src 'sha256-S='; style-src 'sha256-C1=' 'sha256-C2='; " +
      "base-uri 'none'; form-action 'none'",
  );
  assert.doesNotMatch(csp, /unsafe/);
});

// ---------------------------------------------------------------- insertScriptFirst

Deno.test("insertScriptFirst: goes right before the first script", () => {
  const html =
    `<!doctype html><head><title>t</title></head><body><script>a()</script><script>b()</script></body>`;
  assert.equal(
    insertScriptFirst(html, "runtime()"),
    `<!doctype html><head><title>t</title></head><body><script>runtime()</script>` +
      `<script>a()</script><script>b()</script></body>`,
  );
});

Deno.test("insertScriptFirst: script tag match is case-insensitive and needs a tag boundary", () => {
  assert.equal(
    insertScriptFirst(`<p>x</p><SCRIPT>a()</SCRIPT>`, "r"),
    `<p>x</p><script>r</script><SCRIPT>a()</SCRIPT>`,
  );
  // "<scripts>" is not a script tag; the head end is used instead.
  assert.equal(
    insertScriptFirst(`<head><scripts></scripts></head><body></body>`, "r"),
    `<head><scripts></scripts><script>r</script></head><body></body>`,
  );
});

Deno.test("insertScriptFirst: without scripts, before </head>, else </body>, else at the end", () => {
  assert.equal(
    insertScriptFirst(`<html><head><title>t</title></HEAD ><body>b</body></html>`, "r"),
    `<html><head><title>t</title><script>r</script></HEAD ><body>b</body></html>`,
  );
  assert.equal(
    insertScriptFirst(`<p>only a body</p></Body>`, "r"),
    `<p>only a body</p><script>r</script></Body>`,
  );
  assert.equal(insertScriptFirst(`<p>fragment</p>`, "r"), `<p>fragment</p><script>r</script>`);
  assert.equal(insertScriptFirst(``, "r"), `<script>r</script>`);
});

Deno.test("insertScriptFirst: a script in the head wins over </head>", () => {
  assert.equal(
    insertScriptFirst(`<head><script src="x"></script></head>`, "r"),
    `<head><script>r</script><script src="x"></script></head>`,
  );
});

// ---------------------------------------------------------------- buildIsolationDocument

Deno.test("build: inlines a relative <script src>, hash matches the inlined text", async () => {
  await withTree({
    "index.html": `<!doctype html>\n<meta charset="utf-8">\n<script src="index.js"></script>\n<p>end</p>\n`,
    "index.js": HOOK,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(
      built.html,
      `<!doctype html>\n<meta charset="utf-8">\n<script>${HOOK}</script>\n<p>end</p>\n`,
    );
    assert.deepEqual(built.scriptHashes, [await expectedHash(HOOK)]);
    assert.deepEqual(built.files, [join(root, "index.html"), join(root, "index.js")]);
  });
});

Deno.test("build: inline and external scripts keep document order, each hashed", async () => {
  await withTree({
    "index.html": `<head><script>var a = 1;</script>` +
      `<script src="lib/b.js" defer></script></head>` +
      `<body><script src='./c.js'></script><script type="text/javascript">var d = 4;</script></body>`,
    "lib/b.js": "var b = 2;",
    "c.js": HOOK,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(
      built.html,
      `<head><script>var a = 1;</script><script>var b = 2;</script></head>` +
        `<body><script>${HOOK}</script><script>var d = 4;</script></body>`,
    );
    assert.deepEqual(built.scriptHashes, [
      await expectedHash("var a = 1;"),
      await expectedHash("var b = 2;"),
      await expectedHash(HOOK),
      await expectedHash("var d = 4;"),
    ]);
    assert.deepEqual(built.files, [join(root, "index.html"), join(root, "lib", "b.js"), join(root, "c.js")]);
  });
});

Deno.test("build: every inlined script's hash is the SHA-256 of exactly the text between its tags", async () => {
  await withTree({
    "index.html": `<script src="one.js"></script><div></div><script>\n  // inline\n  x();\n</script>` +
      `<script src="two.js"></script>`,
    "one.js": "one();\r\n",
    "two.js": `${HOOK}\n// "</script>" in a comment\n`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    const bodies = [...built.html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]);
    assert.equal(bodies.length, 3);
    assert.deepEqual(built.scriptHashes, await Promise.all(bodies.map(expectedHash)));
    assert.deepEqual(bodies, [
      "one();\n",
      "\n  // inline\n  x();\n",
      `${HOOK}\n// "<\\/script>" in a comment\n`,
    ]);
  });
});

Deno.test("build: src forms — double, single, unquoted, leading ./ and /, query and fragment", async () => {
  await withTree({
    "index.html": `<script src="a.js"></script><script SRC='b.js'></script><script src=c.js></script>` +
      `<script src="./d.js"></script><script src="/e.js"></script><script src="f.js?v=3#top"></script>` +
      `<script src = "sub/g.js" ></script>`,
    "a.js": "a;",
    "b.js": "b;",
    "c.js": "c;",
    "d.js": "d;",
    "e.js": "e;",
    "f.js": "f;",
    "sub/g.js": HOOK,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(
      built.html,
      `<script>a;</script><script>b;</script><script>c;</script><script>d;</script>` +
        `<script>e;</script><script>f;</script><script>${HOOK}</script>`,
    );
    assert.deepEqual(
      built.files,
      ["index.html", "a.js", "b.js", "c.js", "d.js", "e.js", "f.js", "sub/g.js"].map((name) =>
        join(root, ...name.split("/"))
      ),
    );
    assert.equal(built.scriptHashes.length, 7);
    assert.equal(built.scriptHashes[0], await expectedHash("a;"));
  });
});

Deno.test("build: a relative path that goes up and back in stays allowed", async () => {
  await withTree({
    "app/index.html": `<script src="sub/../hook.js"></script>`,
    "app/hook.js": HOOK,
  }, async (tmp) => {
    const built = await buildIsolationDocument(join(tmp, "app"));
    assert.equal(built.html, `<script>${HOOK}</script>`);
    assert.deepEqual(built.files, [join(tmp, "app", "index.html"), join(tmp, "app", "hook.js")]);
  });
});

Deno.test("build: a relative dir argument is resolved, paths in the result are absolute", async () => {
  await withTree({ "index.html": `<script>${HOOK}</script>` }, async (root) => {
    const relativeDir = relative(Deno.cwd(), root);
    assert.ok(!isAbsolute(relativeDir));
    const built = await buildIsolationDocument(relativeDir);
    assert.deepEqual(built.files, [join(root, "index.html")]);
  });
});

Deno.test("build: CRLF and lone CR become LF so the hash does not depend on line endings", async () => {
  const lf = `${HOOK}\nconsole.log(1);\nconsole.log(2);\n`;
  await withTree({
    "index.html": `<script src="index.js"></script>`,
    "index.js": lf.replaceAll("\n", "\r\n"),
  }, async (crlfRoot) => {
    await withTree({
      "index.html": `<script src="index.js"></script>`,
      "index.js": lf.replaceAll("\n", "\r"),
    }, async (crRoot) => {
      await withTree({ "index.html": `<script src="index.js"></script>`, "index.js": lf }, async (lfRoot) => {
        const [crlf, cr, plain] = await Promise.all(
          [crlfRoot, crRoot, lfRoot].map((dir) => buildIsolationDocument(dir)),
        );
        assert.equal(crlf.html, `<script>${lf}</script>`);
        assert.equal(cr.html, crlf.html);
        assert.equal(plain.html, crlf.html);
        assert.deepEqual(crlf.scriptHashes, [await expectedHash(lf)]);
        assert.deepEqual(cr.scriptHashes, crlf.scriptHashes);
        assert.deepEqual(plain.scriptHashes, crlf.scriptHashes);
        assert.ok(!crlf.html.includes("\r"));
      });
    });
  });
});

Deno.test("build: inline scripts in a CRLF index.html are normalised too; markup around them is kept", async () => {
  await withTree({
    "index.html": `<!doctype html>\r\n<script>\r\n${HOOK}\r\n</script>\r\n`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html, `<!doctype html>\r\n<script>\n${HOOK}\n</script>\r\n`);
    assert.deepEqual(built.scriptHashes, [await expectedHash(`\n${HOOK}\n`)]);
  });
});

Deno.test("build: </script inside an external file is escaped and hashed escaped", async () => {
  const code =
    `${HOOK}\nconst a = "</script>";\nconst b = '</script >' + "</scriptx";\nconst c = "<\\/script>";\n`;
  await withTree(
    { "index.html": `<script src="index.js"></script><p>after</p>`, "index.js": code },
    async (root) => {
      const built = await buildIsolationDocument(root);
      const escaped =
        `${HOOK}\nconst a = "<\\/script>";\nconst b = '<\\/script >' + "<\\/scriptx";\nconst c = "<\\/script>";\n`;
      assert.equal(built.html, `<script>${escaped}</script><p>after</p>`);
      assert.deepEqual(built.scriptHashes, [await expectedHash(escaped)]);
      assert.notEqual(built.scriptHashes[0], await expectedHash(code));
      // Exactly one closing tag: the inlined code cannot end the element early.
      assert.equal(built.html.match(/<\/script/gi)?.length, 1);
    },
  );
});

Deno.test("build: </SCRIPT in any case is escaped too", async () => {
  await withTree(
    { "index.html": `<script src="index.js"></script>`, "index.js": `${HOOK}\n"</SCRIPT>";` },
    async (root) => {
      const built = await buildIsolationDocument(root);
      assert.equal(built.html.match(/<\/script/gi)?.length, 1);
      assert.match(built.html, /<\\\/script>";<\/script>$/i);
    },
  );
});

Deno.test("build: the src script's own body is dropped, attributes are not carried over", async () => {
  await withTree({
    "index.html": `<script src="index.js" defer async crossorigin="anonymous">ignored();</script>`,
    "index.js": HOOK,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html, `<script>${HOOK}</script>`);
    assert.equal(built.scriptHashes.length, 1);
  });
});

Deno.test("build: the same script referenced twice is inlined twice", async () => {
  await withTree({
    "index.html": `<script src="index.js"></script><script src="index.js"></script>`,
    "index.js": HOOK,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html, `<script>${HOOK}</script><script>${HOOK}</script>`);
    assert.deepEqual(built.scriptHashes, [await expectedHash(HOOK), await expectedHash(HOOK)]);
    assert.deepEqual(built.files, [join(root, "index.html"), join(root, "index.js"), join(root, "index.js")]);
  });
});

Deno.test("build: the hook only has to be mentioned by some script, inline or external", async () => {
  await withTree({
    "index.html": `<script>var hook = "__TAURI_ISOLATION_HOOK__";</script><script src="x.js"></script>`,
    "x.js": "window[hook] = (p) => p;",
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.scriptHashes.length, 2);
  });
});

Deno.test("build: the demo (seed) isolation app builds as before: its script inlined as written, nothing else", async () => {
  const dir = resolve(new URL(".", import.meta.url).pathname, "../demo/isolation");
  const built = await buildIsolationDocument(dir);
  const html = await Deno.readTextFile(join(dir, "index.html"));
  const js = (await Deno.readTextFile(join(dir, "index.js"))).replace(/\r\n?/g, "\n");
  assert.equal(built.html, html.replace(`<script src="index.js"></script>`, `<script>${js}</script>`));
  assert.deepEqual(built.files, [join(dir, "index.html"), join(dir, "index.js")]);
  assert.deepEqual(built.scriptHashes, [await expectedHash(js)]);
  assert.deepEqual(built.styleHashes, []);
  assert.deepEqual(built.warnings, []);
});

// ---------------------------------------------------------------- buildIsolationDocument: errors

Deno.test("build error: remote scripts (http, https, protocol-relative, data, javascript)", async () => {
  for (
    const src of [
      "https://cdn.example.com/x.js",
      "http://x/y.js",
      "//cdn.example.com/x.js",
      "data:text/javascript,1",
      "javascript:void(0)",
    ]
  ) {
    await withTree(
      { "index.html": `<script>${HOOK}</script><script src="${src}"></script>` },
      async (root) => {
        await buildFails(
          root,
          new RegExp(
            `^remote script ${escapeRegExp(src)} in ${
              escapeRegExp(join(root, "index.html"))
            } cannot be inlined`,
          ),
        );
      },
    );
  }
  await withTree({ "index.html": `<script src=HTTPS://EXAMPLE.COM/x.js></script>` }, async (root) => {
    await buildFails(
      root,
      /remote script HTTPS:\/\/EXAMPLE\.COM\/x\.js in .* copy it into the isolation app folder/,
    );
  });
});

Deno.test("build error: scripts outside the folder", async () => {
  await withTree({
    "outside.js": HOOK,
    "app/index.html": `<script src="../outside.js"></script>`,
  }, async (tmp) => {
    const app = join(tmp, "app");
    await buildFails(
      app,
      new RegExp(
        `^script \\.\\./outside\\.js in ${
          escapeRegExp(join(app, "index.html"))
        } is outside the isolation app folder ` +
          `${escapeRegExp(app)}$`,
      ),
    );
  });
  // A sibling folder whose name starts with the app folder's name is still outside.
  await withTree({
    "app-evil/x.js": HOOK,
    "app/index.html": `<script src="../app-evil/x.js"></script>`,
  }, async (tmp) => {
    await buildFails(join(tmp, "app"), /is outside the isolation app folder/);
  });
  // Going up and back into the folder through its own name is fine; going further up is not.
  await withTree({
    "app/index.html": `<script src="a/../../../x.js"></script>`,
  }, async (tmp) => {
    await buildFails(join(tmp, "app"), /is outside the isolation app folder/);
  });
  // The folder itself is not a script.
  await withTree({ "index.html": `<script src="."></script><script>${HOOK}</script>` }, async (root) => {
    await buildFails(root, /^script \. in .* is outside the isolation app folder/);
  });
});

Deno.test("build error: a missing script names the resolved file and the html that references it", async () => {
  await withTree(
    { "index.html": `<script>${HOOK}</script><script src="lib/missing.js?x=1"></script>` },
    async (root) => {
      await buildFails(
        root,
        new RegExp(
          `^script ${escapeRegExp(join(root, "lib", "missing.js"))} \\(referenced by ` +
            `${escapeRegExp(join(root, "index.html"))}\\) not found$`,
        ),
      );
    },
  );
});

Deno.test("build error: missing folder, a file instead of a folder, missing index.html", async () => {
  await withTree({ "not-a-dir": "x" }, async (tmp) => {
    const missing = join(tmp, "nope");
    await buildFails(missing, new RegExp(`^isolation app folder ${escapeRegExp(missing)} not found$`));
    const file = join(tmp, "not-a-dir");
    await buildFails(file, new RegExp(`^isolation app folder ${escapeRegExp(file)} not found$`));
    await Deno.mkdir(join(tmp, "empty"));
    await buildFails(
      join(tmp, "empty"),
      new RegExp(
        `^${
          escapeRegExp(join(tmp, "empty", "index.html"))
        } not found: an isolation app needs an index\\.html$`,
      ),
    );
  });
});

Deno.test("build error: no script mentions __TAURI_ISOLATION_HOOK__", async () => {
  for (
    const files of [
      { "index.html": `<p>no scripts at all</p>` },
      {
        "index.html": `<script>console.log(1)</script><script src="a.js"></script>`,
        "a.js": "window.hook = 1;",
      },
      // A mention outside any script does not count.
      { "index.html": `<!-- __TAURI_ISOLATION_HOOK__ --><p>__TAURI_ISOLATION_HOOK__</p><script>1</script>` },
    ] as Record<string, string>[]
  ) {
    await withTree(files, async (root) => {
      await buildFails(
        root,
        new RegExp(`^no script in ${escapeRegExp(root)} defines window\\.__TAURI_ISOLATION_HOOK__$`),
      );
    });
  }
});

Deno.test("build error: the first bad script stops the build (remote before a missing file)", async () => {
  await withTree({
    "index.html": `<script src="https://x.example/a.js"></script><script src="missing.js"></script>`,
  }, async (root) => {
    await buildFails(root, /^remote script https:\/\/x\.example\/a\.js/);
  });
});

// ---------------------------------------------------------------- regressions: what is a script, and its attributes

// data-src once matched \bsrc ("-" is a word boundary): the inline body was dropped for data-src's file.
Deno.test("build: data-src on an inline script is not a src", async () => {
  await withTree({ "index.html": `<script data-src="lazy.js">${HOOK}</script>` }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html, `<script>${HOOK}</script>`);
    assert.deepEqual(built.scriptHashes, [await expectedHash(HOOK)]);
  });
});

// data-type="module" once matched \btype and was rejected as a module script.
Deno.test("build: data-type=module is not a module script", async () => {
  await withTree(
    { "index.html": `<script data-type="module" src="index.js"></script>`, "index.js": HOOK },
    async (root) => {
      const built = await buildIsolationDocument(root);
      assert.equal(built.html, `<script>${HOOK}</script>`);
    },
  );
});

// relative(dir, file).startsWith("..") once rejected a file of the folder whose name starts with two dots.
Deno.test("build: a file named ..x.js inside the folder is not outside it", async () => {
  await withTree(
    { "index.html": `<script src="..vendor.js"></script>`, "..vendor.js": HOOK },
    async (root) => {
      const built = await buildIsolationDocument(root);
      assert.equal(built.html, `<script>${HOOK}</script>`);
      assert.deepEqual(built.files, [join(root, "index.html"), join(root, "..vendor.js")]);
    },
  );
});

// Every script was once rewritten as a bare <script>: a JSON data block became code the CSP let run, and lost
// its id.
Deno.test("build: a data block keeps its type and id", async () => {
  await withTree({
    "index.html": `<script type="application/json" id="cfg">{"a": 1}</script><script>${HOOK}</script>`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.ok(
      built.html.includes(`<script type="application/json" id="cfg">{"a": 1}</script>`),
      built.html,
    );
  });
});

Deno.test("build: data blocks are kept as written, never read or hashed, whatever their src", async () => {
  const blocks = `<script type="text/template" src="gone.html"><b>{{x}}</b></script>` +
    `<script type="text/javascript; charset=utf-8">not(js)</script>` +
    `<script language="vbscript">MsgBox 1</script><script type=" speculationrules ">{}</script>`;
  await withTree({ "index.html": `${blocks}<script>${HOOK}</script>` }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html, `${blocks}<script>${HOOK}</script>`);
    assert.deepEqual(built.scriptHashes, [await expectedHash(HOOK)]);
    assert.deepEqual(built.files, [join(root, "index.html")]);
  });
  // The hook in a data block does not count: it never runs.
  await withTree({ "index.html": `<script type="text/plain">${HOOK}</script>` }, async (root) => {
    await buildFails(root, /^no script in .* defines window\.__TAURI_ISOLATION_HOOK__$/);
  });
});

Deno.test("build: every JavaScript type is a classic script, in any case and with spaces around it", async () => {
  const types = [
    `type=""`,
    `type=" TEXT/JavaScript "`,
    `type=application/x-javascript`,
    `type="text/ecmascript"`,
  ];
  const tags = [
    ...types.map((type) => `<script ${type}>1</script>`),
    `<script language="JavaScript">1</script>`,
  ];
  await withTree({ "index.html": `${tags.join("")}<script>${HOOK}</script>` }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html, `${"<script>1</script>".repeat(5)}<script>${HOOK}</script>`);
    assert.equal(built.scriptHashes.length, 6);
  });
});

Deno.test("build: an inlined script keeps id, class and nomodule, in that order, as written", async () => {
  await withTree({
    "index.html": `<script nomodule class=app defer src="index.js" ID='main' data-x="1"></script>` +
      `<script id="inline" async>var a;</script>`,
    "index.js": HOOK,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(
      built.html,
      `<script ID='main' class=app nomodule>${HOOK}</script><script id="inline">var a;</script>`,
    );
    assert.deepEqual(built.scriptHashes, [await expectedHash(HOOK), await expectedHash("var a;")]);
  });
});

Deno.test("build: attributes follow the tokenizer: quotes hold '>' and 'src=', the first of a name wins", async () => {
  await withTree({
    "index.html": `<script title="a > b src=x.js" src='index.js' src="other.js"></script>` +
      `<script data-note='src="nope.js"'>var a;</script>`,
    "index.js": HOOK,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html, `<script>${HOOK}</script><script>var a;</script>`);
    assert.deepEqual(built.files, [join(root, "index.html"), join(root, "index.js")]);
  });
});

Deno.test("build error: import maps are not supported (modules import by path or package name)", async () => {
  await withTree(
    { "index.html": `<script type="importmap">{}</script><script>${HOOK}</script>` },
    async (root) => {
      await buildFails(
        root,
        new RegExp(
          `^import maps are not supported \\(${
            escapeRegExp(join(root, "index.html"))
          }\\): import local files ` +
            `by relative path and npm packages by name`,
        ),
      );
    },
  );
});

// ---------------------------------------------------------------- regressions: where scripts are

// Script tags in comments were once taken for real: a commented-out <script src> of a deleted file failed the
// build, and insertScriptFirst put the runtime inside the comment, where it never runs.
Deno.test("build: a commented-out script is ignored", async () => {
  await withTree({
    "index.html": `<!-- <script src="old.js"></script> --><script src="index.js"></script>`,
    "index.js": HOOK,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html, `<!-- <script src="old.js"></script> --><script>${HOOK}</script>`);
    assert.equal(
      insertScriptFirst(built.html, "r"),
      `<!-- <script src="old.js"></script> --><script>r</script><script>${HOOK}</script>`,
    );
  });
});

Deno.test("build: comments end where the tokenizer ends them; doctype and bogus comments are skipped", async () => {
  const markup =
    `<!doctype html><!--><script src="a.js"></script><!---><!-- x --!><? <script src="b.js"> ?>` +
    `<! <script src="c.js"> ></ <script src="d.js"> >`;
  await withTree({ "index.html": markup, "a.js": HOOK }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(
      built.html,
      `<!doctype html><!--><script>${HOOK}</script><!---><!-- x --!><? <script src="b.js"> ?>` +
        `<! <script src="c.js"> ></ <script src="d.js"> >`,
    );
    assert.deepEqual(built.files, [join(root, "index.html"), join(root, "a.js")]);
  });
  // An unclosed comment runs to the end of the file.
  await withTree(
    { "index.html": `<script>${HOOK}</script><!-- <script src="gone.js"></script>` },
    async (root) => {
      assert.equal((await buildIsolationDocument(root)).scriptHashes.length, 1);
    },
  );
});

Deno.test("build: <script> in the text of style, textarea, title, noscript… is not a script", async () => {
  const markup =
    `<title><script src="a.js"></script></title><style>/* <script src="b.js"></script> */</style>` +
    `<textarea><script src="c.js"></script></TEXTAREA ><noscript><script src="d.js"></script></noscript>`;
  await withTree({ "index.html": `${markup}<script>${HOOK}</script>` }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html, `${markup}<script>${HOOK}</script>`);
    assert.equal(built.scriptHashes.length, 1);
  });
});

Deno.test("build: an inline script ends where the browser ends it, '<!--<script>' included", async () => {
  // After "<!--" and "<script", the first "</script>" does not end the element (HTML's script data escaping).
  const body = `var a = "<!--<script>"; var b = "</script>"; ${HOOK}`;
  await withTree(
    { "index.html": `<script>${body}</script><script src="x.js"></script>`, "x.js": "x;" },
    async (root) => {
      const built = await buildIsolationDocument(root);
      assert.equal(built.html, `<script>${body}</script><script>x;</script>`);
      assert.deepEqual(built.scriptHashes, [await expectedHash(body), await expectedHash("x;")]);
    },
  );
});

Deno.test("build error: an external script whose '<!--' and '<script' would hide its end tag", async () => {
  await withTree({
    "index.html": `<script src="index.js"></script><p>after</p>`,
    "index.js": `${HOOK}\nconst s = "<!--<script>";\n`,
  }, async (root) => {
    await buildFails(
      root,
      new RegExp(`^script ${escapeRegExp(join(root, "index.js"))} \\(referenced by .*\\) cannot be inlined`),
    );
  });
  // With "-->" in between, or without "<script", nothing is hidden.
  await withTree({
    "index.html": `<script src="index.js"></script>`,
    "index.js": `${HOOK}\nconst s = "<!--" + "-->" + "<script>"; const t = "<!-- x";\n`,
  }, async (root) => {
    assert.equal((await buildIsolationDocument(root)).scriptHashes.length, 1);
  });
});

Deno.test("build error: an unclosed script, an empty src", async () => {
  await withTree({ "index.html": `<script>${HOOK}</script><script src="a.js">` }, async (root) => {
    await buildFails(root, /^unclosed <script> in /);
  });
  await withTree({ "index.html": `<script>${HOOK}</script><script src=" "></script>` }, async (root) => {
    await buildFails(root, /^a <script> in .* has an empty src$/);
  });
});

Deno.test("insertScriptFirst: skips scripts in comments, templates and raw text", () => {
  assert.equal(
    insertScriptFirst(
      `<!--<script>a()</script>--><template><script>t()</script></template><script>b()</script>`,
      "r",
    ),
    `<!--<script>a()</script>--><template><script>t()</script></template><script>r</script><script>b()</script>`,
  );
  assert.equal(
    insertScriptFirst(`<head><title><script></title></head><body></body>`, "r"),
    `<head><title><script></title><script>r</script></head><body></body>`,
  );
  // A "</head>" in a comment is not the head's end either.
  assert.equal(
    insertScriptFirst(`<!-- </head> --><p>x</p></body>`, "r"),
    `<!-- </head> --><p>x</p><script>r</script></body>`,
  );
});

// ---------------------------------------------------------------- regressions: files

// The escape once wrote "<\/script" in lower case whatever the case of the match, changing program strings.
Deno.test("build: escaping </SCRIPT keeps its case", async () => {
  await withTree({
    "index.html": `<script src="index.js"></script>`,
    "index.js": `${HOOK}\nconst tag = "</SCRIPT>" + "</Script>";\n`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    const escaped = `${HOOK}\nconst tag = "<\\/SCRIPT>" + "<\\/Script>";\n`;
    assert.equal(built.html, `<script>${escaped}</script>`);
    assert.deepEqual(built.scriptHashes, [await expectedHash(escaped)]);
  });
});

Deno.test("build error: a src naming a folder", async () => {
  await withTree(
    { "index.html": `<script>${HOOK}</script><script src="lib"></script>`, "lib/a.js": "a;" },
    async (root) => {
      await buildFails(
        root,
        new RegExp(
          `^script ${escapeRegExp(join(root, "lib"))} \\(referenced by ` +
            `${escapeRegExp(join(root, "index.html"))}\\) is a folder, not a file$`,
        ),
      );
    },
  );
  await withTree({ "index.html/x": "" }, async (root) => {
    await buildFails(root, new RegExp(`^${escapeRegExp(join(root, "index.html"))} is a folder, not a file$`));
  });
});

Deno.test("build error: symlinks that lead outside the folder", async () => {
  await withTree({
    "secret.js": HOOK,
    "secret/x.js": HOOK,
    "page.html": `<script>${HOOK}</script>`,
    "app/index.js": HOOK,
  }, async (tmp) => {
    const app = join(tmp, "app");
    const real = await Deno.realPath(tmp);
    await Deno.symlink(join(tmp, "secret.js"), join(app, "file-link.js"));
    await Deno.symlink(join(tmp, "secret"), join(app, "dir-link"));
    await Deno.symlink("index.js", join(app, "inside-link.js"));
    const html = join(app, "index.html");
    for (const [src, target] of [["file-link.js", "secret.js"], ["dir-link/x.js", "secret/x.js"]]) {
      await Deno.writeTextFile(html, `<script src="${src}"></script>`);
      await buildFails(
        app,
        new RegExp(
          `^script ${escapeRegExp(join(app, ...src.split("/")))} \\(referenced by ${escapeRegExp(html)}\\) ` +
            `resolves to ${
              escapeRegExp(join(real, ...target.split("/")))
            }, outside the isolation app folder ` +
            `${escapeRegExp(join(real, "app"))}$`,
        ),
      );
    }
    // A link to a file of the folder is fine, and listed under the name the page uses.
    await Deno.writeTextFile(html, `<script src="inside-link.js"></script>`);
    const built = await buildIsolationDocument(app);
    assert.equal(built.html, `<script>${HOOK}</script>`);
    assert.deepEqual(built.files, [html, join(app, "inside-link.js")]);
    // index.html itself must not lead outside either.
    await Deno.remove(html);
    await Deno.symlink(join(tmp, "page.html"), html);
    await buildFails(
      app,
      new RegExp(`^${escapeRegExp(html)} resolves to ${escapeRegExp(join(real, "page.html"))}, outside`),
    );
  });
});

Deno.test("build: the folder may itself be reached through a symlink", async () => {
  await withTree(
    { "app/index.html": `<script src="index.js"></script>`, "app/index.js": HOOK },
    async (tmp) => {
      await Deno.symlink(join(tmp, "app"), join(tmp, "link"));
      const built = await buildIsolationDocument(join(tmp, "link"));
      assert.equal(built.html, `<script>${HOOK}</script>`);
      assert.deepEqual(built.files, [join(tmp, "link", "index.html"), join(tmp, "link", "index.js")]);
    },
  );
});

// ---------------------------------------------------------------- modules, bundled by esbuild

/** The texts of the document's <script> or <style> elements, in order (these tests' documents have no data
 * blocks). */
function bodies(html: string, element: "script" | "style"): string[] {
  return [...html.matchAll(new RegExp(`<${element}(?:\\s[^>]*)?>([\\s\\S]*?)</${element}>`, "g"))]
    .map((match) => match[1]);
}

/** The CSP hashes are exactly those of the document's inline scripts and styles, in order. */
async function assertHashesMatch(built: IsolationDocument): Promise<void> {
  assert.deepEqual(built.scriptHashes, await Promise.all(bodies(built.html, "script").map(expectedHash)));
  assert.deepEqual(built.styleHashes, await Promise.all(bodies(built.html, "style").map(expectedHash)));
}

/** Runs the document's scripts in order in a fresh V8 context standing in for the iframe's window. */
function runScripts(html: string): Record<string, unknown> {
  const context = vm.createContext({ crypto });
  context.window = context;
  for (const code of bodies(html, "script")) vm.runInContext(code, context);
  return context;
}

/** Calls the hook the scripts defined; the answer as JSON data, so it compares across V8 contexts. */
function callHook(window: Record<string, unknown>, payload: unknown): unknown {
  const hook = window.__TAURI_ISOLATION_HOOK__ as (payload: unknown) => unknown;
  assert.equal(typeof hook, "function");
  return JSON.parse(JSON.stringify(hook(payload)));
}

/** The document with each script's text replaced by the labels it pushes (`push("x")`), to check placement. */
function outline(html: string): string {
  return html.replace(
    /<script((?:\s[^>]*)?)>([\s\S]*?)<\/script>/g,
    (_, attributes, code) =>
      `<script${attributes}>[${[...code.matchAll(/push\("(\w+)"\)/g)].map((m) => m[1])}]</script>`,
  );
}

const TINY = {
  "node_modules/tiny/package.json": JSON.stringify({
    name: "tiny",
    version: "1.0.0",
    type: "module",
    exports: { ".": { browser: "./browser.js", default: "./node.js" } },
  }),
  "node_modules/tiny/browser.js": `export const where = "browser";\nexport const tag = (s) => "tiny:" + s;\n`,
  "node_modules/tiny/node.js": `export const where = "node";\nexport const tag = (s) => "node:" + s;\n`,
};

Deno.test("build module: a <script type=module src> and its local imports become one classic inline script", async () => {
  await withTree({
    "index.html": `<!doctype html>\n<script type="module" src="main.js"></script>\n<p>end</p>\n`,
    "main.js": `import { check } from "./lib/check.js";\nimport { LIMIT } from "./lib/deep/limits.js";\n` +
      `window.__TAURI_ISOLATION_HOOK__ = (payload) => check(payload, LIMIT);\n`,
    "lib/check.js": `import { LIMIT as MAX } from "./deep/limits.js";\n` +
      `export const check = (payload, limit) => {\n` +
      `  if (JSON.stringify(payload).length > Math.min(limit, MAX)) throw new Error("too big");\n` +
      `  return payload;\n};\n`,
    "lib/deep/limits.js": `export const LIMIT = 20;\n`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    const [code] = bodies(built.html, "script");
    // The module runs after the document is parsed: its element moves to the end, with no type or src.
    assert.equal(built.html, `<!doctype html>\n\n<p>end</p>\n<script>${code}</script>`);
    assert.match(code, /^\(\(\) => \{\n/);
    assert.doesNotMatch(code, /\bimport\b|\bexport\b/);
    // Dependencies first, each under its path relative to the folder.
    const order = ["// lib/deep/limits.js", "// lib/check.js", "// main.js"].map((mark) =>
      code.indexOf(mark)
    );
    assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])), code);
    await assertHashesMatch(built);
    assert.deepEqual(built.styleHashes, []);
    assert.deepEqual(built.files.slice(0, 2), [join(root, "index.html"), join(root, "main.js")]);
    assert.deepEqual(
      built.files.slice(2).sort(),
      [join(root, "lib", "check.js"), join(root, "lib", "deep", "limits.js")],
    );
    // It runs: the hook is defined and uses the imported code.
    const window = runScripts(built.html);
    assert.deepEqual(callHook(window, { a: 1 }), { a: 1 });
    assert.throws(() => callHook(window, { a: "x".repeat(30) }), /too big/);
  });
});

Deno.test("build module: npm packages resolve from node_modules, nearest first, browser build", async () => {
  await withTree({
    ...TINY,
    "node_modules/other/package.json": JSON.stringify({ name: "other", version: "1.0.0", main: "index.js" }),
    // CommonJS works too.
    "node_modules/other/index.js": `exports.other = () => "other";\n`,
    // The app's own node_modules is nearer than the project's.
    "app/node_modules/tiny/package.json": JSON.stringify({
      name: "tiny",
      version: "2.0.0",
      main: "index.js",
    }),
    "app/node_modules/tiny/index.js": `export const where = "app";\nexport const tag = (s) => "near:" + s;\n`,
    "app/index.html": `<script type="module" src="src/main.js"></script>`,
    "app/src/main.js": `import { tag, where } from "tiny";\nimport { other } from "other";\n` +
      `window.__TAURI_ISOLATION_HOOK__ = (payload) => ({ ...payload, tag: tag(where), other: other() });\n`,
  }, async (tmp) => {
    const app = join(tmp, "app");
    const built = await buildIsolationDocument(app);
    assert.deepEqual(callHook(runScripts(built.html), { a: 1 }), { a: 1, tag: "near:app", other: "other" });
    const [code] = bodies(built.html, "script");
    assert.ok(code.includes("// node_modules/tiny/index.js"), code);
    assert.ok(code.includes("// ../node_modules/other/index.js"), code);
    assert.ok(built.files.includes(join(tmp, "node_modules", "other", "index.js")));
    assert.ok(
      built.report.some((line) =>
        /src\/main\.js: module \+ 2 imported files \(2 from node_modules\)/.test(line)
      ),
    );
    await assertHashesMatch(built);
  });
  // Without the nearer one, the project's package is found, in its browser build.
  await withTree({
    ...TINY,
    "app/index.html": `<script type="module" src="main.js"></script>`,
    "app/main.js":
      `import { tag, where } from "tiny";\nwindow.__TAURI_ISOLATION_HOOK__ = () => tag(where);\n`,
  }, async (tmp) => {
    const built = await buildIsolationDocument(join(tmp, "app"));
    assert.equal(callHook(runScripts(built.html), {}), "tiny:browser");
    assert.deepEqual(built.files, [
      join(tmp, "app", "index.html"),
      join(tmp, "app", "main.js"),
      join(tmp, "node_modules", "tiny", "browser.js"),
    ]);
  });
});

Deno.test("build module: a real npm package installed with npm (nanoid, browser build)", async () => {
  await withTree({
    "isolation/index.html": `<script type="module" src="index.js"></script>`,
    "isolation/index.js": `import { nanoid } from "nanoid";\n` +
      `window.__TAURI_ISOLATION_HOOK__ = (payload) => ({ ...payload, traceId: nanoid() });\n`,
  }, async (tmp) => {
    const npm = await new Deno.Command("npm", {
      args: ["install", "--prefix", tmp, "--no-save", "--no-audit", "--no-fund", "--silent", "nanoid@6.0.2"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(npm.success, `npm install failed: ${new TextDecoder().decode(npm.stderr)}`);
    const built = await buildIsolationDocument(join(tmp, "isolation"));
    const answer = callHook(runScripts(built.html), { cmd: "x" }) as { cmd: string; traceId: string };
    assert.equal(answer.cmd, "x");
    assert.match(answer.traceId, /^[A-Za-z0-9_-]{21}$/);
    const [code] = bodies(built.html, "script");
    assert.ok(code.includes("// ../node_modules/nanoid/index.browser.js"), code);
    assert.ok(code.includes("crypto.getRandomValues"));
    await assertHashesMatch(built);
  });
});

Deno.test("build module: an inline module with imports is bundled too", async () => {
  await withTree({
    "index.html": `<head><script type="module">\nimport { check } from "./check.js";\n` +
      `window.__TAURI_ISOLATION_HOOK__ = check;\n</script></head><body><p>x</p></body>\n`,
    "check.js": `export const check = (payload) => ({ checked: payload });\n`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    const [code] = bodies(built.html, "script");
    // Moved to the end of the body, where a module runs.
    assert.equal(built.html, `<head></head><body><p>x</p><script>${code}</script></body>\n`);
    assert.ok(code.includes("// check.js") && code.includes("// index.html"), code);
    assert.deepEqual(callHook(runScripts(built.html), 1), { checked: 1 });
    assert.deepEqual(built.files, [join(root, "index.html"), join(root, "check.js")]);
    await assertHashesMatch(built);
  });
});

Deno.test("build module: modules run after parsing, in order, after classic scripts; async and template ones stay", async () => {
  await withTree({
    "index.html": `<head><script type="module" src="a.js" nomodule class=app defer id='main'></script>` +
      `<script src="c.js"></script></head>` +
      `<body><script type="module">window.order.push("inline");</script>` +
      `<template><script type="module">window.order.push("never");</script></template>` +
      `<script type="module" async src="d.js"></script><p>x</p></body>\n<!-- after -->\n`,
    "a.js": `window.order.push("a");\nwindow.__TAURI_ISOLATION_HOOK__ = (payload) => payload;\n`,
    "c.js": `window.order = [];\nwindow.order.push("c");\n`,
    "d.js": `window.order.push("d");\n`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(
      outline(built.html),
      `<head><script>[c]</script></head>` +
        `<body><template><script>[never]</script></template><script>[d]</script><p>x</p>` +
        `<script id='main' class=app>[a]</script><script>[inline]</script></body>\n<!-- after -->\n`,
    );
    await assertHashesMatch(built);
    // With no </body> after them, modules go at the very end.
    await Deno.writeTextFile(
      join(root, "index.html"),
      `<script type="module" src="a.js"></script><p>x</p><script src="c.js"></script>`,
    );
    assert.equal(
      outline((await buildIsolationDocument(root)).html),
      `<p>x</p><script>[c]</script><script>[a]</script>`,
    );
  });
});

Deno.test("build module: the runtime still goes first, before the classic scripts and the moved modules", async () => {
  await withTree({
    "index.html": `<head><script type="module" src="a.js"></script></head><body><p>x</p></body>`,
    "a.js": `window.order.push("a");\nwindow.__TAURI_ISOLATION_HOOK__ = (payload) => payload;\n`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(
      outline(insertScriptFirst(built.html, `window.order = []; window.order.push("runtime");`)),
      `<head></head><body><p>x</p><script>[runtime]</script><script>[a]</script></body>`,
    );
  });
});

Deno.test("build module: bundles are ES2022-ish for WebKit, not minified unless asked, with no source map", async () => {
  const files = {
    "index.html": `<script type="module" src="main.js"></script>`,
    "main.js": `import { longHelperName } from "./helper.js";\n` +
      `window.__TAURI_ISOLATION_HOOK__ = (payload) => longHelperName(payload);\n`,
    "helper.js": `export function longHelperName(payload) {\n  return payload?.value ?? "none";\n}\n`,
  };
  await withTree(files, async (root) => {
    const plain = await buildIsolationDocument(root);
    const minified = await buildIsolationDocument(root, { minify: true });
    const [code] = bodies(plain.html, "script");
    const [small] = bodies(minified.html, "script");
    assert.ok(code.includes("function longHelperName(payload)"), code);
    assert.ok(code.includes("payload?.value ?? "), "optional chaining is kept: WebKit has it");
    assert.doesNotMatch(code + small, /sourceMappingURL/);
    assert.ok(small.length < code.length && !small.includes("// main.js"), small);
    for (const built of [plain, minified]) {
      assert.equal(callHook(runScripts(built.html), { value: 7 }), 7);
      assert.equal(callHook(runScripts(built.html), {}), "none");
      await assertHashesMatch(built);
    }
  });
});

Deno.test("build module: a '</script>' in bundled code is escaped and hashed escaped", async () => {
  await withTree({
    "index.html": `<script type="module" src="main.js"></script><p>after</p>`,
    "main.js": `import { tag } from "./tag.js";\nwindow.__TAURI_ISOLATION_HOOK__ = () => tag;\n`,
    "tag.js": "export const tag = `</script>` + '</SCRIPT >';\n",
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html.match(/<\/script/gi)?.length, 1);
    assert.equal(callHook(runScripts(built.html), {}), "</script></SCRIPT >");
    await assertHashesMatch(built);
  });
});

Deno.test("build module: concurrent builds share esbuild and leave no process behind", async () => {
  const trees = await Promise.all([1, 2, 3].map((n) =>
    tempTree({
      "index.html": `<script type="module" src="main.js"></script>`,
      "main.js": `import { n } from "./n.js";\nwindow.__TAURI_ISOLATION_HOOK__ = () => n;\n`,
      "n.js": `export const n = ${n};\n`,
    })
  ));
  try {
    const built = await Promise.all(trees.map((root) => buildIsolationDocument(root)));
    assert.deepEqual(built.map((one) => callHook(runScripts(one.html), {})), [1, 2, 3]);
    // And once they are over (esbuild stopped), the next build starts it again.
    assert.equal(callHook(runScripts((await buildIsolationDocument(trees[0])).html), {}), 1);
  } finally {
    await Promise.all(trees.map((root) => Deno.remove(root, { recursive: true })));
  }
});

// ---------------------------------------------------------------- stylesheets

Deno.test("build style: a stylesheet link and its @imports become one <style>, hashed for style-src", async () => {
  await withTree({
    "app/index.html":
      `<head><link rel="stylesheet" href="css/main.css?v=2" media="screen" id="theme" crossorigin>` +
      `<style>p { margin: 0 }</style></head><body><script>${HOOK}</script></body>`,
    "app/css/main.css":
      `@import "./base.css";\n@import url("../shared/vars.css");\nbody { color: var(--ink); }\n`,
    "app/css/base.css": `html { font-family: sans-serif; }\n`,
    "app/shared/vars.css": `:root { --ink: #111; }\n`,
  }, async (tmp) => {
    const app = join(tmp, "app");
    const built = await buildIsolationDocument(app);
    const [css, inline] = bodies(built.html, "style");
    assert.equal(
      built.html,
      `<head><style id="theme" media="screen">${css}</style><style>p { margin: 0 }</style></head>` +
        `<body><script>${HOOK}</script></body>`,
    );
    assert.equal(inline, "p { margin: 0 }");
    assert.doesNotMatch(css, /@import/);
    const order = ["font-family: sans-serif", "--ink: #111", "color: var(--ink)"].map((rule) =>
      css.indexOf(rule)
    );
    assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])), css);
    assert.deepEqual(built.styleHashes, [await expectedHash(css), await expectedHash(inline)]);
    await assertHashesMatch(built);
    // The page, the linked stylesheet, then what it imports, in the order they apply.
    assert.deepEqual(built.files, [
      join(app, "index.html"),
      join(app, "css", "main.css"),
      join(app, "css", "base.css"),
      join(app, "shared", "vars.css"),
    ]);
  });
});

Deno.test("build style: an inline <style> with @import is bundled; one without is kept as written", async () => {
  await withTree({
    "index.html": `<style media="print">@import "a.css";\n.b { color: red }</style>` +
      `<style>\n.c { color: blue }\n</style><script>${HOOK}</script>`,
    "a.css": `.a { color: green }\n`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    const [bundled, kept] = bodies(built.html, "style");
    assert.ok(built.html.startsWith(`<style media="print">`));
    assert.ok(bundled.indexOf(".a {") >= 0 && bundled.indexOf(".a {") < bundled.indexOf(".b {"), bundled);
    assert.equal(kept, "\n.c { color: blue }\n");
    await assertHashesMatch(built);
    assert.deepEqual(built.files, [join(root, "index.html"), join(root, "a.css")]);
  });
});

Deno.test("build style: '</style' in a stylesheet cannot end the element", async () => {
  await withTree({
    "index.html": `<link rel=stylesheet href=a.css><p>after</p><script>${HOOK}</script>`,
    "a.css": `.a::after { content: "</style><script>alert(1)</script>"; }\n`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.equal(built.html.match(/<\/style/gi)?.length, 1);
    // As the browser reads it: one style, one script, the paragraph after the style.
    const elements = [...tags(built.html)].filter((tag) => !tag.closing).map((tag) => tag.name);
    assert.deepEqual(elements, ["style", "p", "script"]);
    const style = [...tags(built.html)].find((tag) => tag.name === "style")!;
    assert.deepEqual(built.styleHashes, [await expectedHash(built.html.slice(style.end, style.textEnd))]);
    assert.deepEqual(built.scriptHashes, [await expectedHash(HOOK)]);
  });
});

Deno.test("sessionDocument: the CSP lists the runtime's and the app's script hashes and the app's style hashes", async () => {
  await withTree({
    "index.html": `<link rel="stylesheet" href="a.css"><script type="module" src="main.js"></script>`,
    "a.css": `body { color: red }\n`,
    "main.js": HOOK,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    const session = {
      key: "AAAA",
      sid: "s",
      secret: "l",
      window: "main",
      appOrigin: "app://localhost",
      maxMessageBytes: 1024,
      maxDepth: 8,
      hookTimeoutMs: 1000,
    };
    const document = await sessionDocument(built, session);
    const runtimeHash = await expectedHash(runtimeScript(sessionConfig(built, session)));
    assert.equal(built.styleHashes.length, 1);
    assert.equal(
      document.headers["Content-Security-Policy"],
      `default-src 'none'; script-src ${[runtimeHash, ...built.scriptHashes].join(" ")}; ` +
        `style-src ${built.styleHashes[0]}; base-uri 'none'; form-action 'none'; ` +
        "sandbox allow-scripts allow-same-origin; frame-ancestors app://localhost",
    );
    assert.doesNotMatch(document.headers["Content-Security-Policy"], /unsafe/);
  });
});

// ---------------------------------------------------------------- line endings

Deno.test("build: CRLF, CR and LF apps (modules, stylesheets, inline module) give identical hashes and code", async () => {
  const files = {
    "index.html": `<!doctype html>\n<link rel="stylesheet" href="style.css">\n` +
      `<script type="module" src="main.js"></script>\n` +
      `<script type="module">\nimport { note } from "./lib.js";\nwindow.note = note;\n</script>\n`,
    "main.js": `import { note } from "./lib.js";\n/*! kept\n   comment */\n` +
      "window.__TAURI_ISOLATION_HOOK__ = (payload) => [note, `multi\nline`, payload];\n",
    "lib.js": `export const note = "lib";\n`,
    "style.css": `@import "./base.css";\nbody {\n  color: red;\n}\n`,
    "base.css": `/*! base\n */\nhtml {\n  margin: 0;\n}\n`,
  };
  const variants = await Promise.all(["\n", "\r\n", "\r"].map(async (eol) => {
    const root = await tempTree(Object.fromEntries(
      Object.entries(files).map(([name, text]) => [name, text.replaceAll("\n", eol)]),
    ));
    try {
      return await buildIsolationDocument(root);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  }));
  const [lf, crlf, cr] = variants;
  for (const built of [crlf, cr]) {
    assert.deepEqual(built.scriptHashes, lf.scriptHashes);
    assert.deepEqual(built.styleHashes, lf.styleHashes);
    assert.deepEqual(bodies(built.html, "script"), bodies(lf.html, "script"));
    assert.deepEqual(bodies(built.html, "style"), bodies(lf.html, "style"));
    // Only index.html's own markup keeps its line endings.
    assert.equal(built.html.replace(/\r\n?/g, "\n"), lf.html);
  }
  for (const built of variants) {
    for (const text of [...bodies(built.html, "script"), ...bodies(built.html, "style")]) {
      assert.ok(!text.includes("\r"));
    }
    await assertHashesMatch(built);
    assert.deepEqual(callHook(runScripts(built.html), 1), ["lib", "multi\nline", 1]);
  }
  assert.equal(lf.scriptHashes.length, 2);
  assert.equal(lf.styleHashes.length, 1);
});

// ---------------------------------------------------------------- errors of modules and stylesheets

Deno.test("build error: a missing module file, a missing import (naming the importing file and line)", async () => {
  await withTree({ "index.html": `<script type="module" src="lib/main.js"></script>` }, async (root) => {
    await buildFails(
      root,
      new RegExp(
        `^script ${escapeRegExp(join(root, "lib", "main.js"))} \\(referenced by ` +
          `${escapeRegExp(join(root, "index.html"))}\\) not found$`,
      ),
    );
  });
  await withTree({
    "index.html": `<script type="module" src="main.js"></script>`,
    "main.js": `window.__TAURI_ISOLATION_HOOK__ = (p) => p;\nimport { a } from "./gone.js";\n`,
  }, async (root) => {
    await buildFails(
      root,
      new RegExp(
        `^module ${escapeRegExp(join(root, "main.js"))} \\(referenced by ${
          escapeRegExp(join(root, "index.html"))
        }\\) ` +
          `cannot be bundled: ${
            escapeRegExp(join(root, "main.js"))
          }:2:19: Could not resolve "\\./gone\\.js"$`,
      ),
    );
  });
});

Deno.test("build error: a missing npm package says where packages are looked up; a Node built-in says so", async () => {
  for (
    const [specifier, hint] of [
      [
        "not-installed-pkg",
        /Could not resolve "not-installed-pkg" \(npm packages are looked up in the node_modules/,
      ],
      ["node:fs", /Could not resolve "node:fs"/],
      ["fs", /Could not resolve "fs" \(a Node\.js module: the isolation iframe is a browser\)$/],
    ] as const
  ) {
    await withTree({
      "index.html": `<script type="module" src="main.js"></script>`,
      "main.js": `import x from "${specifier}";\nwindow.__TAURI_ISOLATION_HOOK__ = () => x;\n`,
    }, async (root) => {
      await buildFails(
        root,
        new RegExp(`^module .* cannot be bundled: ${escapeRegExp(join(root, "main.js"))}:1:15: `),
      );
      await buildFails(root, hint);
    });
  }
});

Deno.test("build error: remote module src, remote import, remote stylesheet link, remote @import", async () => {
  await withTree(
    {
      "index.html":
        `<script>${HOOK}</script><script type="module" src="https://cdn.example.com/m.js"></script>`,
    },
    async (root) => {
      await buildFails(
        root,
        new RegExp(
          `^remote script https://cdn\\.example\\.com/m\\.js in ${escapeRegExp(join(root, "index.html"))} ` +
            `cannot be inlined: copy it into the isolation app folder$`,
        ),
      );
    },
  );
  for (const specifier of ["https://cdn.example.com/x.js", "//cdn.example.com/x.js", "HTTP://X/y.js"]) {
    await withTree({
      "index.html": `<script type="module" src="main.js"></script>`,
      "main.js": `${HOOK}\nimport "${specifier}";\n`,
    }, async (root) => {
      await buildFails(
        root,
        new RegExp(
          `^module ${escapeRegExp(join(root, "main.js"))} \\(referenced by .*\\) cannot be bundled: ` +
            `${escapeRegExp(join(root, "main.js"))}:2:8: remote module ${
              escapeRegExp(specifier)
            } cannot be ` +
            `bundled: the isolation iframe fetches nothing; copy it into the isolation app folder or install it ` +
            `with npm$`,
        ),
      );
    });
  }
  for (const href of ["https://fonts.example.com/a.css", "//x.example/a.css", "data:text/css,p{}"]) {
    await withTree(
      { "index.html": `<link rel="stylesheet" href="${href}"><script>${HOOK}</script>` },
      async (root) => {
        await buildFails(
          root,
          new RegExp(
            `^remote stylesheet ${escapeRegExp(href)} in ${
              escapeRegExp(join(root, "index.html"))
            } cannot be ` +
              `inlined: copy it into the isolation app folder$`,
          ),
        );
      },
    );
  }
  await withTree({
    "index.html": `<link rel="stylesheet" href="a.css"><script>${HOOK}</script>`,
    "a.css": `p { margin: 0 }\n@import url("https://fonts.example.com/a.css");\n`,
  }, async (root) => {
    // An @import after a rule is no @import (the browser drops it, esbuild warns): not fetched, not refused.
    const built = await buildIsolationDocument(root);
    assert.match(built.warnings[0], /a\.css:2:1: All "@import" rules must come first$/);
  });
  await withTree({
    "index.html": `<link rel="stylesheet" href="a.css"><script>${HOOK}</script>`,
    "a.css": `@import url("https://fonts.example.com/a.css");\n`,
  }, async (root) => {
    await buildFails(
      root,
      new RegExp(
        `^stylesheet ${escapeRegExp(join(root, "a.css"))} \\(referenced by .*\\) cannot be bundled: ` +
          `${
            escapeRegExp(join(root, "a.css"))
          }:1:13: remote stylesheet https://fonts\\.example\\.com/a\\.css ` +
          `cannot be bundled: the isolation iframe fetches nothing; copy it into the isolation app folder$`,
      ),
    );
  });
});

Deno.test("build error: syntax errors name the file, line and column (module, import, inline module, classic)", async () => {
  // In a file the module imports.
  await withTree({
    "index.html": `<script type="module" src="main.js"></script>`,
    "main.js": `import "./lib.js";\n${HOOK}\n`,
    "lib.js": `export const a = 1;\nconst b = ;\n`,
  }, async (root) => {
    await buildFails(
      root,
      new RegExp(
        `^module ${escapeRegExp(join(root, "main.js"))} \\(referenced by ${
          escapeRegExp(join(root, "index.html"))
        }` +
          `\\) cannot be bundled: ${escapeRegExp(join(root, "lib.js"))}:2:11: Unexpected ";"$`,
      ),
    );
  });
  // In an inline module: the line and column are index.html's, whatever its line endings.
  for (const eol of ["\n", "\r\n"]) {
    await withTree({
      "index.html": [
        `<!doctype html>`,
        `<p>x</p>`,
        `<script type="module">`,
        `${HOOK}`,
        `  let a = ;</script>`,
      ]
        .join(eol),
    }, async (root) => {
      const html = escapeRegExp(join(root, "index.html"));
      await buildFails(
        root,
        new RegExp(`^inline module in ${html} cannot be bundled: ${html}:5:11: Unexpected ";"$`),
      );
    });
  }
  // In a classic script, file or inline (checked by V8, located by esbuild).
  await withTree({
    "index.html": `<script src="a.js"></script>`,
    "a.js": `${HOOK}\nif (x {\n}\n`,
  }, async (root) => {
    await buildFails(
      root,
      new RegExp(
        `^script ${escapeRegExp(join(root, "a.js"))} \\(referenced by ${
          escapeRegExp(join(root, "index.html"))
        }\\) ` +
          `has a syntax error: ${escapeRegExp(join(root, "a.js"))}:2:7: Expected "\\)" but found "\\{"$`,
      ),
    );
  });
  await withTree(
    { "index.html": `<script>${HOOK}</script>\n<p>x</p><script>let a = ;</script>` },
    async (root) => {
      const html = escapeRegExp(join(root, "index.html"));
      await buildFails(
        root,
        new RegExp(`^inline script in ${html} has a syntax error: ${html}:2:25: Unexpected ";"$`),
      );
    },
  );
});

Deno.test("build error: a classic script with import says to make it a module; valid classic oddities still build", async () => {
  await withTree({
    "index.html": `<script src="a.js"></script>`,
    "a.js": `import { x } from "./b.js";\n${HOOK}\n`,
    "b.js": `export const x = 1;\n`,
  }, async (root) => {
    await buildFails(
      root,
      /^script .*a\.js \(referenced by .*\) has a syntax error: .*a\.js: Cannot use import statement outside a module \(a script with import or export must be a <script type="module">\)$/,
    );
  });
  // Valid in a classic script though esbuild's parser (made for modules) would refuse "await" as a name:
  // V8 decides, so these build.
  const classic = `var await = 1; with ({}) {} var yield_ = 010; <!-- an HTML-like comment\n${HOOK}\n`;
  await withTree({ "index.html": `<script src="a.js"></script>`, "a.js": classic }, async (root) => {
    assert.equal((await buildIsolationDocument(root)).html, `<script>${classic}</script>`);
  });
});

Deno.test("build error: a module that defines no hook", async () => {
  await withTree({
    "index.html": `<script type="module" src="main.js"></script>`,
    "main.js": `import { a } from "./a.js";\nwindow.hook = a;\n`,
    "a.js": `export const a = 1;\n`,
  }, async (root) => {
    await buildFails(
      root,
      new RegExp(`^no script in ${escapeRegExp(root)} defines window\\.__TAURI_ISOLATION_HOOK__$`),
    );
  });
  // An unused export that names it is dropped from the bundle: no hook either.
  await withTree({
    "index.html": `<script type="module" src="main.js"></script>`,
    "main.js": `import { a } from "./a.js";\nwindow.hook = a;\n`,
    "a.js": `export const a = 1;\nexport const unused = "__TAURI_ISOLATION_HOOK__";\n`,
  }, async (root) => {
    await buildFails(root, /^no script in .* defines window\.__TAURI_ISOLATION_HOOK__$/);
  });
});

Deno.test("build error: missing stylesheet, missing @import, a link without href, an alternate stylesheet", async () => {
  await withTree(
    { "index.html": `<link rel="stylesheet" href="css/a.css"><script>${HOOK}</script>` },
    async (root) => {
      await buildFails(
        root,
        new RegExp(
          `^stylesheet ${escapeRegExp(join(root, "css", "a.css"))} \\(referenced by ` +
            `${escapeRegExp(join(root, "index.html"))}\\) not found$`,
        ),
      );
    },
  );
  await withTree({
    "index.html": `<link rel="stylesheet" href="a.css"><script>${HOOK}</script>`,
    "a.css": `\n@import "./gone.css";\n`,
  }, async (root) => {
    await buildFails(
      root,
      new RegExp(
        `^stylesheet ${escapeRegExp(join(root, "a.css"))} \\(referenced by .*\\) cannot be bundled: ` +
          `${escapeRegExp(join(root, "a.css"))}:2:9: Could not resolve "\\./gone\\.css"$`,
      ),
    );
  });
  await withTree(
    { "index.html": `<link rel="stylesheet" href=" "><script>${HOOK}</script>` },
    async (root) => {
      await buildFails(root, /^a <link rel="stylesheet"> in .*index\.html has no href$/);
    },
  );
  await withTree({
    "index.html": `<link rel="alternate stylesheet" href="a.css"><script>${HOOK}</script>`,
    "a.css": "",
  }, async (root) => {
    await buildFails(root, /^alternate stylesheet a\.css in .* is not supported/);
  });
  // A stylesheet outside the folder, directly or through a symlink.
  await withTree({
    "outside.css": "p {}",
    "app/index.html": `<link rel="stylesheet" href="../outside.css"><script>${HOOK}</script>`,
  }, async (tmp) => {
    await buildFails(
      join(tmp, "app"),
      /^stylesheet \.\.\/outside\.css in .* is outside the isolation app folder/,
    );
    await Deno.symlink(join(tmp, "outside.css"), join(tmp, "app", "link.css"));
    await Deno.writeTextFile(join(tmp, "app", "index.html"), `<link rel="stylesheet" href="link.css">`);
    await buildFails(
      join(tmp, "app"),
      /^stylesheet .*link\.css \(referenced by .*\) resolves to .*outside\.css, outside/,
    );
  });
});

Deno.test("build error: a module entry that is a symlink out of the folder", async () => {
  await withTree(
    { "secret.js": HOOK, "app/index.html": `<script type="module" src="m.js"></script>` },
    async (tmp) => {
      await Deno.symlink(join(tmp, "secret.js"), join(tmp, "app", "m.js"));
      await buildFails(
        join(tmp, "app"),
        /^script .*m\.js \(referenced by .*\) resolves to .*secret\.js, outside/,
      );
    },
  );
});

// ---------------------------------------------------------------- report and warnings

Deno.test("build report: the seed app in a few lines: folder, time, size, files, hashes", async () => {
  const dir = resolve(new URL(".", import.meta.url).pathname, "../demo/isolation");
  const built = await buildIsolationDocument(dir);
  const js = await Deno.readTextFile(join(dir, "index.js"));
  const size = (bytes: number) => bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
  const htmlBytes = new TextEncoder().encode(built.html).length;
  const jsBytes = new TextEncoder().encode(js.replace(/\r\n?/g, "\n")).length;
  assert.equal(built.report.length, 3);
  assert.match(
    built.report[0],
    new RegExp(
      `^isolation app ${escapeRegExp(dir)} built in \\d+ ms: index\\.html of ${
        escapeRegExp(size(htmlBytes))
      } ` +
        `from 2 files$`,
    ),
  );
  assert.equal(built.report[1], `  index.js: classic script → ${size(jsBytes)}`);
  assert.equal(
    built.report[2],
    "  CSP: 1 script hash, 0 style hashes (and the runtime's script hash, added for each session)",
  );
});

Deno.test("build report: modules, stylesheets and inline code, with their imports, sizes and warnings", async () => {
  await withTree({
    ...TINY,
    "app/index.html": `<link rel="stylesheet" href="style.css"><p style="color: red">x</p>` +
      `<script type="module" src="main.js"></script><script>var inline = 1;</script>` +
      `<style>p {}</style><script type="module">import "./lib.js";</script>`,
    "app/main.js":
      `import { tag } from "tiny";\nimport "./lib.js";\nwindow.__TAURI_ISOLATION_HOOK__ = tag;\n`,
    "app/lib.js": `window.lib = 1;\n`,
    "app/style.css": `@import "./base.css";\nbody { background: url(https://example.com/bg.png); }\n`,
    "app/base.css": `p { margin: 0 }\n`,
  }, async (tmp) => {
    const app = join(tmp, "app");
    const built = await buildIsolationDocument(app);
    const lines = built.report.map((line) => line.replace(/\d+(\.\d)? (B|KiB)/g, "SIZE"));
    assert.match(
      lines[0],
      new RegExp(`^isolation app ${escapeRegExp(app)} built in \\d+ ms: index\\.html of SIZE from 6 files$`),
    );
    assert.deepEqual(lines.slice(1, 7), [
      "  style.css: stylesheet + 1 imported file → SIZE",
      "  main.js: module + 2 imported files (1 from node_modules) → SIZE",
      "  inline script → SIZE",
      "  inline style → SIZE",
      "  inline module + 1 imported file → SIZE",
      "  CSP: 3 script hashes, 2 style hashes (and the runtime's script hash, added for each session)",
    ]);
    assert.equal(built.warnings.length, 2);
    assert.match(
      built.warnings[0],
      new RegExp(
        `^stylesheet ${escapeRegExp(join(app, "style.css"))} \\(referenced by .*\\): ` +
          `${
            escapeRegExp(join(app, "style.css"))
          }:2:20: url\\(https://example\\.com/bg\\.png\\) will not load: ` +
          `the isolation iframe fetches nothing$`,
      ),
    );
    assert.match(built.warnings[1], /^1 style attribute in .*index\.html will be ignored: the isolation CSP/);
    assert.deepEqual(lines.slice(7), built.warnings.map((warning) => `  warning: ${warning}`));
  });
});

Deno.test("build report: esbuild's warnings are passed on, naming file and line", async () => {
  await withTree({
    "index.html": `<script type="module" src="main.js"></script>`,
    "main.js": `${HOOK}\nif (window.x == -0) {}\n`,
  }, async (root) => {
    const built = await buildIsolationDocument(root);
    assert.deepEqual(built.warnings, [
      `module ${join(root, "main.js")} (referenced by ${join(root, "index.html")}): ${
        join(root, "main.js")
      }:2:17: ` +
      `Comparison with -0 using the "==" operator will also match 0`,
    ]);
  });
});
