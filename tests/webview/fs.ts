// The core's file API end to end: page → hook → seal → core scope check → real files → page.
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";
import { defaultFsBackend } from "../../core/fs.ts";

// The seed's path check, as the demo's isolation app does it.
const PATH_HOOK = `window.__TAURI_ISOLATION_HOOK__ = (m) => {
  const path = m.payload && m.payload.path;
  if (m.cmd.startsWith("plugin:fs|") && (typeof path !== "string" || path.startsWith("/") || path.split("/").includes(".."))) {
    throw new Error("path " + path + " is outside the app's folders");
  }
  return m;
};`;

async function scopes() {
  const root = await Deno.makeTempDir({ prefix: "airlock-fs-e2e-" });
  const data = join(root, "data");
  const docs = join(root, "docs");
  await Deno.mkdir(data);
  await Deno.mkdir(docs);
  await Deno.writeTextFile(join(docs, "readme.txt"), "read me");
  await Deno.writeTextFile(join(root, "secret.txt"), "outside every scope");
  await Deno.symlink(join(root, "secret.txt"), join(docs, "escape.txt"));
  const fs = { scopes: [{ name: "data", dir: data, write: true }, { name: "docs", dir: docs }] };
  return { root, data, docs, fs };
}

Deno.test("fs: each call allowed inside its scope, bytes as bytes", async () => {
  const { data, fs } = await scopes();
  const app = await launch({ config: await makeApp({ hook: PATH_HOOK, airlock: { fs } }) });
  try {
    const result = await app.evaluate(`(async () => {
      const fs = window.airlock.fs;
      const data = { baseDir: "data" };
      await fs.mkdir("notes/2026", { ...data, recursive: true });
      await fs.writeTextFile("notes/2026/today.txt", "written by the page", data);
      await fs.writeFile("blob.bin", new Uint8Array([1, 2, 3, 255]), data);
      const bytes = await fs.readFile("blob.bin", data);
      const out = {
        text: await fs.readTextFile("notes/2026/today.txt", data),
        bytes: Array.from(bytes), isBytes: bytes instanceof Uint8Array,
        list: (await fs.readDir("notes/2026", data)).map((e) => [e.name, e.isFile]),
        stat: await fs.stat("blob.bin", data).then((s) => [s.size, s.isFile, typeof s.mtime]),
        exists: [await fs.exists("blob.bin", data), await fs.exists("nope.txt", data)],
        docs: await fs.readTextFile("readme.txt", { baseDir: "docs" }),
      };
      await fs.remove("notes", { ...data, recursive: true });
      out.afterRemove = await fs.exists("notes", data);
      return out;
    })()`);
    assert.deepEqual(result, {
      text: "written by the page",
      bytes: [1, 2, 3, 255],
      isBytes: true,
      list: [["today.txt", true]],
      stat: [4, true, "number"],
      exists: [true, false],
      docs: "read me",
      afterRemove: false,
    });
    assert.deepEqual([...await Deno.readFile(join(data, "blob.bin"))], [1, 2, 3, 255]);
  } finally {
    await app.close();
  }
});

Deno.test("fs: the hook refuses a path outside the app's folders", async () => {
  const { fs } = await scopes();
  const app = await launch({ config: await makeApp({ hook: PATH_HOOK, airlock: { fs } }) });
  try {
    assert.deepEqual(
      await app.evaluate(settle(`window.airlock.fs.readTextFile("../secret.txt", { baseDir: "docs" })`)),
      {
        ok: false,
        error: "isolation hook refused the call: path ../secret.txt is outside the app's folders",
      },
    );
  } finally {
    await app.close();
  }
});

Deno.test("fs: with a hook that checks nothing, the core's scopes still refuse every escape", async () => {
  const { root, docs, fs } = await scopes();
  const app = await launch({ config: await makeApp({ airlock: { fs } }) });
  // The host opens the scopes' files with openat2 beneath their roots (docs/api.md, fs, "Races").
  assert.equal(defaultFsBackend().name, "openat2");
  const refused = async (js: string, pattern: RegExp) => {
    const result = await app.evaluate(settle(js)) as { ok: boolean; error: string };
    assert.equal(result.ok, false, js);
    assert.match(result.error, pattern, js);
  };
  try {
    await refused(`airlock.fs.readTextFile("../secret.txt", { baseDir: "docs" })`, /escapes its scope/);
    await refused(
      `airlock.fs.readTextFile(${JSON.stringify(join(root, "secret.txt"))})`,
      /outside every file scope/,
    );
    await refused(
      `airlock.fs.readTextFile("escape.txt", { baseDir: "docs" })`,
      /symbolic link to outside its scope/,
    );
    await refused(`airlock.fs.readTextFile("a\\0b", { baseDir: "docs" })`, /contains a NUL byte/);
    await refused(
      `airlock.fs.writeTextFile("new.txt", "x", { baseDir: "docs" })`,
      /read-only|not writable|read only/i,
    );
    await refused(
      `airlock.fs.readTextFile("x.txt", { baseDir: "nowhere" })`,
      /there is no file scope named "nowhere"/,
    );
    await refused(`airlock.fs.readTextFile(42, { baseDir: "docs" })`, /args\.path: expected a string/);
    // Allowed reads still work, and nothing outside was touched.
    assert.equal(
      await app.evaluate(`airlock.fs.readTextFile(${JSON.stringify(join(docs, "readme.txt"))})`),
      "read me",
    );
    assert.equal(await Deno.readTextFile(join(root, "secret.txt")), "outside every scope");
  } finally {
    await app.close();
  }
});

Deno.test("fs: an app that configures no scopes has no file access", async () => {
  const app = await launch({ config: await makeApp() });
  try {
    const result = await app.evaluate(settle(`airlock.fs.readTextFile("/etc/hostname")`)) as { ok: boolean };
    assert.equal(result.ok, false);
  } finally {
    await app.close();
  }
});

Deno.test("fs: a file larger than a message may be is refused before it is read", async () => {
  const { data, fs } = await scopes();
  await Deno.writeFile(join(data, "big.bin"), new Uint8Array(200 * 1024));
  const app = await launch({ config: await makeApp({ airlock: { fs, maxMessageBytes: 64 * 1024 } }) });
  try {
    const result = await app.evaluate(settle(`airlock.fs.readFile("big.bin", { baseDir: "data" })`)) as {
      ok: boolean;
      error: string;
    };
    assert.equal(result.ok, false);
    assert.match(
      result.error,
      /"big\.bin" in scope "data": the file is too large to send to the page \(204800 bytes, limit 65536\)/,
    );
  } finally {
    await app.close();
  }
});
