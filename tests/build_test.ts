// Unit tests of the isolation-app inliner (build/isolation.ts), on real folders in a temp dir.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { isAbsolute, join, relative, resolve } from "node:path";
import {
  buildIsolationDocument,
  cspHash,
  insertScriptFirst,
  IsolationBuildError,
  isolationCsp,
} from "../build/isolation.ts";

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
    "default-src 'none'; script-src 'sha256-AAA=' 'sha256-BBB='; style-src 'unsafe-inline'; " +
      "base-uri 'none'; form-action 'none'",
  );
  assert.equal(
    isolationCsp(["'sha256-ONE='"]),
    "default-src 'none'; script-src 'sha256-ONE='; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  );
});

Deno.test("isolationCsp: no hashes means no scripts at all, never an empty script-src", () => {
  const csp = isolationCsp([]);
  assert.equal(
    csp,
    "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  );
  assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'[^;]*script|\*/);
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
        const [crlf, cr, plain] = await Promise.all([crlfRoot, crRoot, lfRoot].map(buildIsolationDocument));
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

Deno.test("build: the demo isolation app builds", async () => {
  const dir = resolve(new URL(".", import.meta.url).pathname, "../demo/isolation");
  const built = await buildIsolationDocument(dir);
  const js = (await Deno.readTextFile(join(dir, "index.js"))).replace(/\r\n?/g, "\n");
  assert.ok(built.html.includes(`<script>${js}</script>`));
  assert.deepEqual(built.files, [join(dir, "index.html"), join(dir, "index.js")]);
  assert.deepEqual(built.scriptHashes, [await expectedHash(js)]);
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

Deno.test("build error: module scripts, inline or external, whatever the quoting", async () => {
  for (
    const tag of [
      `<script type="module" src="index.js"></script>`,
      `<script type='module' src="index.js"></script>`,
      `<script TYPE=module src="index.js"></script>`,
    ]
  ) {
    await withTree({ "index.html": tag, "index.js": HOOK }, async (root) => {
      await buildFails(
        root,
        new RegExp(
          `^ES module scripts are not supported yet: index\\.js in ${
            escapeRegExp(join(root, "index.html"))
          }$`,
        ),
      );
    });
  }
  await withTree({ "index.html": `<script type="module">${HOOK}</script>` }, async (root) => {
    await buildFails(root, /^ES module scripts are not supported yet: inline module in /);
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

Deno.test("build error: import maps, like modules, are not supported", async () => {
  await withTree(
    { "index.html": `<script type="importmap">{}</script><script>${HOOK}</script>` },
    async (root) => {
      await buildFails(root, /^ES module scripts are not supported yet: import map in /);
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
