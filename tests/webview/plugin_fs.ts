// The official @tauri-apps/plugin-fs package, unchanged, bundled into a page and run against Airlock through
// isolation: its wire shapes (BaseDirectory numbers, writes with the path in the invoke headers, file
// handles as resources) reach the core's fs plugin and real files.
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";
import { bundleWithTauriApi } from "./tauri_compat.ts";

export const PLUGIN_FS = "@tauri-apps/plugin-fs@2.6.0";

const FRONTEND = `
import * as fs from "@tauri-apps/plugin-fs";
window.fs = fs;
`;

let bundle: Promise<string> | null = null;
const page = () => bundle ??= bundleWithTauriApi(FRONTEND, [PLUGIN_FS]);

/** An app with its own identifier (so its $APPDATA is a fresh folder), the given config sections. */
export async function pluginFsApp(sections: Record<string, unknown>, hook?: string) {
  const identifier = `dev.airlock.test.fs${crypto.randomUUID().slice(0, 8)}`;
  const file = await makeApp({
    hook,
    frontend: {
      "index.html": `<!doctype html><meta charset="utf-8"><script src="app.js"></script>`,
      "app.js": await page(),
    },
  });
  const config = JSON.parse(await Deno.readTextFile(file));
  Object.assign(config, { identifier }, sections);
  await Deno.writeTextFile(file, JSON.stringify(config, null, 2));
  const home = Deno.env.get("XDG_DATA_HOME") || join(Deno.env.get("HOME")!, ".local", "share");
  return { file, appData: join(home, identifier) };
}

/** Runs body against a launched app whose config scope is its $APPDATA (writable); cleans up after. */
async function withAppData(
  hook: string | undefined,
  body: (app: Awaited<ReturnType<typeof launch>>, appData: string) => Promise<void>,
) {
  const { file, appData } = await pluginFsApp({
    airlock: { fs: { scopes: [{ name: "appData", dir: "$APPDATA", write: true }] } },
  }, hook);
  const app = await launch({ config: file });
  try {
    await body(app, appData);
  } finally {
    await app.close();
    await Deno.remove(appData, { recursive: true }).catch(() => {});
  }
}

// A Tauri-style hook that checks the message shape only.
const HOOK = `window.__TAURI_ISOLATION_HOOK__ = (m) => {
  if (typeof m.cmd !== "string") throw new Error("not Tauri's shape");
  return m;
};`;

Deno.test("plugin-fs: the official package reads, writes, lists, stats, renames, copies and removes through isolation", async () => {
  await withAppData(HOOK, async (app, appData) => {
    const result = await app.evaluate(`(async () => {
      const { BaseDirectory } = fs;
      const o = { baseDir: BaseDirectory.AppData };
      await fs.mkdir("notes/2026", { ...o, recursive: true });
      await fs.writeTextFile("notes/2026/today.txt", "héllo from plugin-fs", o);
      await fs.writeFile("blob.bin", new Uint8Array([0, 1, 2, 254, 255]), o);
      await fs.writeTextFile("log.txt", "one\\n", o);
      await fs.writeTextFile("log.txt", "two\\n", { ...o, append: true });
      const bytes = await fs.readFile("blob.bin", o);
      const stat = await fs.stat("blob.bin", o);
      await fs.rename("notes/2026/today.txt", "notes/moved.txt", { oldPathBaseDir: BaseDirectory.AppData, newPathBaseDir: BaseDirectory.AppData });
      await fs.copyFile("notes/moved.txt", "copy.txt", { fromPathBaseDir: BaseDirectory.AppData, toPathBaseDir: BaseDirectory.AppData });
      await fs.writeTextFile("trunc.txt", "Hello World", o);
      await fs.truncate("trunc.txt", 7, o);
      const out = {
        text: await fs.readTextFile("notes/moved.txt", o),
        copy: await fs.readTextFile("copy.txt", o),
        log: await fs.readTextFile("log.txt", o),
        trunc: await fs.readTextFile("trunc.txt", o),
        bytes: Array.from(bytes), isBytes: bytes instanceof Uint8Array,
        stat: [stat.size, stat.isFile, stat.isDirectory, stat.mtime instanceof Date, typeof stat.ino],
        lstat: (await fs.lstat("notes", o)).isDirectory,
        list: (await fs.readDir("notes", o)).map((e) => [e.name, e.isFile, e.isDirectory]).sort(),
        exists: [await fs.exists("blob.bin", o), await fs.exists("nope.txt", o), await fs.exists("notes/2026/today.txt", o)],
        size: await fs.size("notes", o),
      };
      await fs.remove("notes", { ...o, recursive: true });
      out.afterRemove = await fs.exists("notes", o);
      return out;
    })()`);
    assert.deepEqual(result, {
      text: "héllo from plugin-fs",
      copy: "héllo from plugin-fs",
      log: "one\ntwo\n",
      trunc: "Hello W",
      bytes: [0, 1, 2, 254, 255],
      isBytes: true,
      stat: [5, true, false, true, "number"],
      lstat: true,
      list: [["2026", false, true], ["moved.txt", true, false]],
      exists: [true, false, false],
      size: new TextEncoder().encode("héllo from plugin-fs").length,
      afterRemove: false,
    });
    // Real files, where Tauri would put them.
    assert.deepEqual([...await Deno.readFile(join(appData, "blob.bin"))], [0, 1, 2, 254, 255]);
    assert.equal(await Deno.readTextFile(join(appData, "copy.txt")), "héllo from plugin-fs");
  });
});

Deno.test("plugin-fs: file handles (open, create, read, write, seek, stat, truncate, close) as resources", async () => {
  await withAppData(HOOK, async (app, appData) => {
    const result = await app.evaluate(`(async () => {
      const { BaseDirectory, SeekMode } = fs;
      const o = { baseDir: BaseDirectory.AppData };
      const created = await fs.create("handle.txt", o);
      const written = await created.write(new TextEncoder().encode("Hello world"));
      await created.close();
      const file = await fs.open("handle.txt", { ...o, read: true, write: true });
      const positions = [await file.seek(6, SeekMode.Start), await file.seek(-2, SeekMode.End)];
      await file.seek(0, SeekMode.Start);
      const buf = new Uint8Array(32);
      const n = await file.read(buf);
      const eof = await file.read(new Uint8Array(8));
      await file.truncate(5);
      const size = (await file.stat()).size;
      await file.close();
      let afterClose;
      try { await file.read(new Uint8Array(4)); afterClose = "read a closed file"; }
      catch (e) { afterClose = String(e); }
      let forged;
      try { await new fs.FileHandle(12345).read(new Uint8Array(4)); forged = "read a guessed rid"; }
      catch (e) { forged = String(e); }
      return { written, positions, n, text: new TextDecoder().decode(buf.subarray(0, n)), eof, size, afterClose, forged };
    })()`) as Record<string, unknown>;
    assert.deepEqual({ ...result, afterClose: undefined, forged: undefined }, {
      written: 11,
      positions: [6, 9],
      n: 11,
      text: "Hello world",
      eof: null,
      size: 5,
      afterClose: undefined,
      forged: undefined,
    });
    assert.match(String(result.afterClose), /resource id \d+ is invalid/);
    assert.match(String(result.forged), /resource id 12345 is invalid/);
    assert.equal(await Deno.readTextFile(join(appData, "handle.txt")), "Hello");
  });
});

Deno.test("plugin-fs: with a hook that checks nothing, the core refuses paths outside the scopes, with string errors", async () => {
  await withAppData(undefined, async (app) => {
    const attempt = async (js: string) => await app.evaluate(settle(js)) as { ok: boolean; error: string };
    const refusals = {
      parent: await attempt(`fs.readTextFile("../x.txt", { baseDir: fs.BaseDirectory.AppData })`),
      absolute: await attempt(`fs.readTextFile("/etc/hostname")`),
      home: await attempt(`fs.readDir("", { baseDir: fs.BaseDirectory.Home })`),
      write: await attempt(`fs.writeTextFile("/tmp/airlock-plugin-fs-escape.txt", "x")`),
      badBase: await attempt(`fs.readTextFile("a.txt", { baseDir: "AppData" })`),
    };
    for (const [name, result] of Object.entries(refusals)) assert.equal(result.ok, false, name);
    assert.match(refusals.parent.error, /cannot traverse directory/);
    assert.match(refusals.absolute.error, /outside every file scope/);
    assert.match(refusals.home.error, /outside every file scope/);
    assert.match(refusals.write.error, /outside every file scope/);
    assert.match(refusals.badBase.error, /BaseDirectory number/);
    await assert.rejects(Deno.stat("/tmp/airlock-plugin-fs-escape.txt"), Deno.errors.NotFound);
  });
});

Deno.test("plugin-fs under capabilities: fs:scope $APPDATA/** for window main (deny wins), nothing for second", async () => {
  // No airlock.fs section: what the capabilities grant is all there is.
  const { file, appData } = await pluginFsApp({
    app: {
      windows: [{ label: "main" }, { label: "second", width: 320, height: 240 }],
      security: {
        capabilities: [
          { identifier: "base", windows: ["*"], permissions: ["core:default"] },
          {
            identifier: "files",
            windows: ["main"],
            permissions: [
              "fs:allow-mkdir",
              "fs:allow-write-text-file",
              "fs:allow-read-text-file",
              "fs:allow-exists",
              {
                identifier: "fs:scope",
                allow: [{ path: "$APPDATA/**" }],
                deny: [{ path: "$APPDATA/secret/**" }],
              },
            ],
          },
        ],
      },
    },
  }, `window.__TAURI_ISOLATION_HOOK__ = (payload) => payload;`);
  const outside = await Deno.makeTempDir({ prefix: "airlock-plugin-fs-outside-" });
  await Deno.mkdir(appData, { recursive: true });
  await Deno.mkdir(join(appData, "secret"));
  await Deno.writeTextFile(join(appData, "secret", "key.txt"), "top secret");
  await Deno.symlink(join(appData, "secret"), join(appData, "alias"));
  await Deno.symlink(outside, join(appData, "out"));
  const handle = await launch({ config: file, audit: () => {} });
  const main = (js: string) =>
    handle.evaluate(settle(js)) as Promise<{ ok: boolean; value?: unknown; error: string }>;
  const o = `{ baseDir: fs.BaseDirectory.AppData }`;
  try {
    assert.deepEqual(await main(`fs.mkdir("notes", ${o})`), { ok: true });
    assert.deepEqual(await main(`fs.writeTextFile("notes/a.txt", "granted", ${o})`), { ok: true });
    assert.deepEqual(await main(`fs.readTextFile("notes/a.txt", ${o})`), { ok: true, value: "granted" });
    assert.equal(await Deno.readTextFile(join(appData, "notes", "a.txt")), "granted");
    // deny wins, also reached through a symlink inside the allowed folder; a link out of it leads nowhere.
    for (const path of ["secret/key.txt", "alias/key.txt"]) {
      const denied = await main(`fs.readTextFile(${JSON.stringify(path)}, ${o})`);
      assert.equal(denied.ok, false, path);
      assert.match(denied.error, /denied by the app's fs scope/, path);
    }
    const escaped = await main(`fs.writeTextFile("out/x.txt", "escaped", ${o})`);
    assert.equal(escaped.ok, false);
    assert.match(escaped.error, /not allowed by the app's fs scope/);
    assert.deepEqual([...Deno.readDirSync(outside)], []);
    // A command the capability does not grant is refused by the core before it runs.
    const removed = await main(`fs.remove("notes/a.txt", ${o})`);
    assert.equal(removed.ok, false);
    assert.match(removed.error, /plugin:fs\|remove/);
    assert.equal(await Deno.readTextFile(join(appData, "notes", "a.txt")), "granted");
    // Window second has no fs permission at all.
    const second = await handle.window("second")!.evaluate(
      settle(`fs.readTextFile("notes/a.txt", ${o})`),
    ) as {
      ok: boolean;
      error: string;
    };
    assert.equal(second.ok, false);
    assert.match(second.error, /plugin:fs\|read_text_file/);
  } finally {
    for (const window of handle.windows()) await window.close();
    await Deno.remove(appData, { recursive: true }).catch(() => {});
    await Deno.remove(outside, { recursive: true }).catch(() => {});
  }
});
