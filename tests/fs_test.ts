// Tests of the scoped filesystem on real temp folders: every operation, every kind of escape, read-only
// scopes, a folder swapped for a symlink at the worst moment, and atomic writes under SIGKILL. Run as it
// stands with the path-based backend (the core's default); tests/fs_beneath_test.ts runs it again with the
// kernel-confined one (openat2), but for the "race:" tests, which act inside the path-based one's Deno calls.
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  appDataDir,
  defaultFsBackend,
  FsError,
  type FsErrorCode,
  ScopedFs,
  TEMP_SUFFIX,
} from "../core/fs.ts";
import { entryPath, FsCapabilityScope } from "../core/fs/scope.ts";
import { FS_MANIFEST } from "../core/fs/permissions.ts";
import { parseCapabilityFile } from "../core/capabilities.ts";
import { Policy } from "../core/policy.ts";
import { MANIFESTS } from "../core/plugins/manifests.ts";
import type { Scope, ScopeEntry } from "../core/permissions.ts";

const SECRET = "outside the scope";
/** The backend every ScopedFs here gets: "path" unless tests/fs_beneath_test.ts installed another. */
const BACKEND = defaultFsBackend().name;
/** For the tests that patch Deno's functions, which only the path-based backend calls. */
const pathBackendOnly = { ignore: BACKEND !== "path" };

/** A temp folder holding a scope root ("scope") and, next to it, a folder the scope must not reach. */
async function sandbox() {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "airlock-fs-" }));
  const scope = join(dir, "scope");
  const outside = join(dir, "outside");
  await Deno.mkdir(scope);
  await Deno.mkdir(outside);
  await Deno.writeTextFile(join(outside, "secret.txt"), SECRET);
  const fs = new ScopedFs([{ name: "data", root: scope, write: true }]);
  return {
    dir,
    scope,
    outside,
    fs,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

async function refused(promise: Promise<unknown>, code: FsErrorCode, pattern: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof FsError, `expected FsError, got ${error}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

const temps = async (folder: string) =>
  (await Array.fromAsync(Deno.readDir(folder))).filter((entry) => entry.name.endsWith(TEMP_SUFFIX));

Deno.test("appDataDir follows each platform's convention", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  const id = "com.example.app";
  assert.equal(
    appDataDir(id, { os: "linux", env: env({ HOME: "/home/ada", XDG_DATA_HOME: "/data" }) }),
    "/data/com.example.app",
  );
  assert.equal(
    appDataDir(id, { os: "linux", env: env({ HOME: "/home/ada" }) }),
    "/home/ada/.local/share/" + id,
  );
  // A relative XDG_DATA_HOME is invalid by the spec and ignored.
  assert.equal(
    appDataDir(id, { os: "linux", env: env({ HOME: "/home/ada", XDG_DATA_HOME: "rel" }) }),
    "/home/ada/.local/share/" + id,
  );
  assert.equal(
    appDataDir(id, { os: "darwin", env: env({ HOME: "/Users/ada" }) }),
    "/Users/ada/Library/Application Support/" + id,
  );
  assert.equal(
    appDataDir(id, { os: "windows", env: env({ APPDATA: "C:\\Users\\ada\\AppData\\Roaming" }) }),
    "C:\\Users\\ada\\AppData\\Roaming\\" + id,
  );
  assert.throws(() => appDataDir(id, { os: "windows", env: env({}) }), /APPDATA is not set/);
  assert.throws(() => appDataDir(id, { os: "linux", env: env({}) }), /HOME is not set/);
});

Deno.test("appDataDir refuses identifiers that are not one folder name", () => {
  for (const id of ["", ".", "..", "a/b", "a\\b", "a\0b"]) {
    assert.throws(() => appDataDir(id, { os: "linux", env: () => "/home/ada" }), /cannot name a folder/);
  }
});

Deno.test("constructor refuses unnamed, duplicate and relative scopes", () => {
  assert.throws(() => new ScopedFs([{ name: "", root: "/x", write: false }]), /needs a name/);
  assert.throws(
    () => new ScopedFs([{ name: "a", root: "/x", write: false }, { name: "a", root: "/y", write: false }]),
    /"a" is defined twice/,
  );
  assert.throws(() => new ScopedFs([{ name: "a", root: "rel/x", write: false }]), /absolute path/);
});

Deno.test("text and bytes are written and read back relative to a base scope", async () => {
  await using box = await sandbox();
  await box.fs.writeTextFile("notes.txt", "héllo", "data");
  assert.equal(await box.fs.readTextFile("notes.txt", "data"), "héllo");
  assert.equal(await Deno.readTextFile(join(box.scope, "notes.txt")), "héllo");
  await box.fs.writeTextFile("notes.txt", "replaced", "data");
  assert.equal(await box.fs.readTextFile("./notes.txt", "data"), "replaced");
  const bytes = new Uint8Array(3 << 20).map((_, i) => (i * 7919) >> 3);
  await box.fs.writeFile("blob.bin", bytes, "data");
  assert.deepEqual(await box.fs.readFile("blob.bin", "data"), bytes);
  await box.fs.writeFile("empty.bin", new Uint8Array(), "data");
  assert.deepEqual(await box.fs.readFile("empty.bin", "data"), new Uint8Array());
  await refused(
    box.fs.readFile("missing.bin", "data"),
    "not-found",
    /readFile "missing.bin" in scope "data": not found/,
  );
  await refused(box.fs.readFile(".", "data"), "invalid", /is a directory/);
  await refused(box.fs.writeTextFile("no/such/dir.txt", "x", "data"), "not-found", /folder does not exist/);
  await refused(
    box.fs.writeTextFile("x", 42 as unknown as string, "data"),
    "invalid",
    /contents must be a string/,
  );
  await refused(
    box.fs.writeFile("x", "text" as unknown as Uint8Array, "data"),
    "invalid",
    /contents must be bytes/,
  );
  assert.deepEqual(await temps(box.scope), []);
});

Deno.test("without a base, absolute paths inside any scope work", async () => {
  await using box = await sandbox();
  const fs = new ScopedFs([
    { name: "data", root: box.scope, write: true },
    { name: "other", root: box.outside, write: false },
  ]);
  await fs.writeTextFile(join(box.scope, "a.txt"), "a");
  assert.equal(await fs.readTextFile(join(box.scope, "a.txt")), "a");
  assert.equal(await fs.readTextFile(join(box.scope, "sub", "..", "a.txt")), "a");
  assert.equal(await fs.readTextFile(join(box.outside, "secret.txt")), SECRET);
  assert.equal(await fs.exists(box.scope), true);
  assert.deepEqual((await fs.readDir(box.scope)).map((entry) => entry.name), ["a.txt"]);
});

Deno.test("readDir lists names and kinds, sorted", async () => {
  await using box = await sandbox();
  await Deno.writeTextFile(join(box.scope, "b.txt"), "b");
  await Deno.mkdir(join(box.scope, "a"));
  await Deno.symlink(join(box.scope, "b.txt"), join(box.scope, "c"));
  assert.deepEqual(await box.fs.readDir("", "data"), [
    { name: "a", isFile: false, isDirectory: true, isSymlink: false },
    { name: "b.txt", isFile: true, isDirectory: false, isSymlink: false },
    { name: "c", isFile: false, isDirectory: false, isSymlink: true },
  ]);
  assert.deepEqual(await box.fs.readDir("a", "data"), []);
  await refused(box.fs.readDir("nope", "data"), "not-found", /not found/);
});

Deno.test("mkdir makes one folder, or a chain with recursive", async () => {
  await using box = await sandbox();
  await box.fs.mkdir("one", undefined, "data");
  assert.ok((await Deno.stat(join(box.scope, "one"))).isDirectory);
  await refused(
    box.fs.mkdir("one", undefined, "data"),
    "exists",
    /mkdir "one" in scope "data": already exists/,
  );
  await refused(box.fs.mkdir("x/y/z", {}, "data"), "not-found", /not found/);
  await box.fs.mkdir("x/y/z", { recursive: true }, "data");
  await box.fs.mkdir("x/y/z", { recursive: true }, "data");
  assert.ok((await Deno.stat(join(box.scope, "x/y/z"))).isDirectory);
  await refused(
    box.fs.mkdir("q", { recursive: "yes" } as never, "data"),
    "invalid",
    /recursive must be a boolean/,
  );
});

Deno.test("remove deletes files and folders; a non-empty folder needs recursive", async () => {
  await using box = await sandbox();
  await Deno.mkdir(join(box.scope, "dir/sub"), { recursive: true });
  await Deno.writeTextFile(join(box.scope, "dir/sub/f.txt"), "f");
  await Deno.writeTextFile(join(box.scope, "file.txt"), "f");
  await box.fs.remove("file.txt", undefined, "data");
  assert.equal(await box.fs.exists("file.txt", "data"), false);
  await refused(box.fs.remove("dir", undefined, "data"), "invalid", /directory is not empty/);
  await box.fs.remove("dir", { recursive: true }, "data");
  assert.equal(await box.fs.exists("dir", "data"), false);
  await refused(box.fs.remove("gone", undefined, "data"), "not-found", /not found/);
});

Deno.test("stat and exists", async () => {
  await using box = await sandbox();
  await Deno.writeTextFile(join(box.scope, "f.txt"), "12345");
  const before = Date.now();
  const info = await box.fs.stat("f.txt", "data");
  assert.equal(info.size, 5);
  assert.equal(info.isFile, true);
  assert.equal(info.isDirectory, false);
  assert.ok(info.mtime !== null && Math.abs(info.mtime - before) < 60_000);
  assert.equal((await box.fs.stat("", "data")).isDirectory, true);
  assert.equal(await box.fs.exists("f.txt", "data"), true);
  assert.equal(await box.fs.exists("nope.txt", "data"), false);
  assert.equal(await box.fs.exists("f.txt/below", "data"), false);
  await refused(box.fs.stat("nope.txt", "data"), "not-found", /stat "nope.txt" in scope "data": not found/);
});

Deno.test("a write creates a missing scope root, but not the folders below it", async () => {
  await using box = await sandbox();
  const root = join(box.dir, "later", "app");
  const fs = new ScopedFs([{ name: "app", root, write: true }]);
  assert.equal(await fs.exists("x.txt", "app"), false);
  await refused(fs.readTextFile("x.txt", "app"), "not-found", /not found/);
  await refused(fs.writeTextFile("sub/x.txt", "x", "app"), "not-found", /folder does not exist/);
  await fs.writeTextFile("x.txt", "x", "app");
  assert.equal(await Deno.readTextFile(join(root, "x.txt")), "x");
  const fresh = new ScopedFs([{ name: "app", root: join(box.dir, "fresh"), write: true }]);
  await fresh.mkdir("a", undefined, "app");
  assert.ok((await Deno.stat(join(box.dir, "fresh", "a"))).isDirectory);
});

Deno.test("'..' escapes are refused", async () => {
  await using box = await sandbox();
  for (
    const path of ["..", "../outside/secret.txt", "a/../../outside/secret.txt", "./../x", "a/b/../../../x"]
  ) {
    await refused(box.fs.readTextFile(path, "data"), "outside", /in scope "data": path escapes its scope/);
    await refused(box.fs.writeTextFile(path, "x", "data"), "outside", /path escapes its scope/);
  }
  await refused(
    box.fs.readTextFile(join(box.scope, "..", "outside", "secret.txt")),
    "outside",
    /path is outside every file scope/,
  );
  assert.equal(await Deno.readTextFile(join(box.outside, "secret.txt")), SECRET);
});

Deno.test("paths outside every scope, or of the wrong kind for the base, are refused", async () => {
  await using box = await sandbox();
  const secret = join(box.outside, "secret.txt");
  await refused(
    box.fs.readTextFile(secret),
    "outside",
    /readTextFile ".*secret.txt": path is outside every file scope/,
  );
  await refused(box.fs.writeTextFile("/etc/passwd", "x"), "outside", /outside every file scope/);
  await refused(box.fs.exists(box.dir), "outside", /outside every file scope/);
  await refused(
    box.fs.readTextFile(secret, "data"),
    "invalid",
    /must be relative when a base scope is given/,
  );
  await refused(box.fs.readTextFile("notes.txt"), "invalid", /must be absolute when no base scope is given/);
  await refused(box.fs.readTextFile("notes.txt", "nope"), "invalid", /there is no file scope named "nope"/);
});

Deno.test("non-string, too long and NUL-carrying paths are refused", async () => {
  await using box = await sandbox();
  for (const path of [42, null, undefined, {}, ["a"]]) {
    await refused(
      box.fs.readTextFile(path as string, "data"),
      "invalid",
      /readTextFile: path must be a string/,
    );
  }
  await refused(box.fs.readTextFile("a", 7 as unknown as string), "invalid", /base must be a scope name/);
  await refused(box.fs.readTextFile("a".repeat(4097), "data"), "invalid", /path is too long \(4097 > 4096/);
  await box.fs.writeTextFile("a".repeat(200), "ok", "data"); // long, but within limits
  await refused(
    box.fs.writeTextFile("a\0.txt", "x", "data"),
    "invalid",
    /"a\\u0000.txt" .*contains a NUL byte/,
  );
  await refused(box.fs.readTextFile(join(box.scope, "x\0")), "invalid", /NUL byte/);
});

Deno.test("a symlink inside the scope pointing outside is refused", async () => {
  await using box = await sandbox();
  await Deno.symlink(join(box.outside, "secret.txt"), join(box.scope, "link.txt"));
  await Deno.symlink(box.outside, join(box.scope, "linkdir"));
  const escape = /in scope "data": path leads through a symbolic link to outside its scope/;
  await refused(box.fs.readTextFile("link.txt", "data"), "outside", escape);
  await refused(box.fs.readFile(join(box.scope, "link.txt")), "outside", /symbolic link to outside/);
  await refused(box.fs.writeTextFile("link.txt", "pwned", "data"), "outside", escape);
  await refused(box.fs.stat("link.txt", "data"), "outside", escape);
  await refused(box.fs.exists("link.txt", "data"), "outside", escape);
  await refused(box.fs.readDir("linkdir", "data"), "outside", escape);
  await refused(box.fs.mkdir("linkdir/new", undefined, "data"), "outside", escape);
  assert.equal(await Deno.readTextFile(join(box.outside, "secret.txt")), SECRET);
  assert.deepEqual((await Array.fromAsync(Deno.readDir(box.outside))).map((e) => e.name), ["secret.txt"]);
});

Deno.test("a symlink in a parent folder is refused", async () => {
  await using box = await sandbox();
  await Deno.mkdir(join(box.scope, "a"));
  await Deno.symlink(box.outside, join(box.scope, "a", "up"));
  await refused(box.fs.readTextFile("a/up/secret.txt", "data"), "outside", /symbolic link to outside/);
  await refused(box.fs.writeTextFile("a/up/secret.txt", "pwned", "data"), "outside", /symbolic link/);
  await refused(box.fs.remove("a/up/secret.txt", undefined, "data"), "outside", /symbolic link/);
  await refused(box.fs.readTextFile(join(box.scope, "a/up/secret.txt")), "outside", /symbolic link/);
  assert.equal(await Deno.readTextFile(join(box.outside, "secret.txt")), SECRET);
});

Deno.test("a symlink for a path not yet existing is refused", async () => {
  await using box = await sandbox();
  // A folder link, and paths below it that do not exist: the deepest existing ancestor is resolved.
  await Deno.symlink(box.outside, join(box.scope, "linkdir"));
  await refused(box.fs.writeTextFile("linkdir/new.txt", "x", "data"), "outside", /symbolic link/);
  await refused(box.fs.mkdir("linkdir/a/b/c", { recursive: true }, "data"), "outside", /symbolic link/);
  await refused(box.fs.exists("linkdir/a/b/c", "data"), "outside", /symbolic link/);
  // A dangling link: a write through it would create its target.
  await Deno.symlink(join(box.outside, "planted.txt"), join(box.scope, "dangling.txt"));
  await refused(box.fs.writeTextFile("dangling.txt", "x", "data"), "outside", /symbolic link/);
  await refused(box.fs.exists("dangling.txt", "data"), "outside", /symbolic link/);
  // A chain of dangling links ending outside, and a loop.
  await Deno.symlink("dangling.txt", join(box.scope, "chain.txt"));
  await refused(box.fs.writeTextFile("chain.txt", "x", "data"), "outside", /symbolic link/);
  await Deno.symlink("loop", join(box.scope, "loop"));
  await refused(box.fs.writeTextFile("loop", "x", "data"), "io", /too many levels of symbolic links/);
  assert.deepEqual((await Array.fromAsync(Deno.readDir(box.outside))).map((e) => e.name), ["secret.txt"]);
});

Deno.test("symlinks that stay inside the scope are followed", async () => {
  await using box = await sandbox();
  await Deno.mkdir(join(box.scope, "real"));
  await Deno.writeTextFile(join(box.scope, "real", "f.txt"), "one");
  await Deno.symlink("real", join(box.scope, "alias"));
  await Deno.symlink("real/f.txt", join(box.scope, "f-link"));
  await Deno.symlink("real/new.txt", join(box.scope, "new-link"));
  assert.equal(await box.fs.readTextFile("alias/f.txt", "data"), "one");
  await box.fs.writeTextFile("f-link", "two", "data"); // writes the file the link names, keeps the link
  assert.equal(await Deno.readTextFile(join(box.scope, "real", "f.txt")), "two");
  assert.ok((await Deno.lstat(join(box.scope, "f-link"))).isSymlink);
  await box.fs.writeTextFile("new-link", "three", "data"); // a dangling link to inside the scope
  assert.equal(await Deno.readTextFile(join(box.scope, "real", "new.txt")), "three");
});

Deno.test("remove of a symlink removes the link, never what it points to", async () => {
  await using box = await sandbox();
  await Deno.symlink(join(box.outside, "secret.txt"), join(box.scope, "link.txt"));
  await Deno.symlink(box.outside, join(box.scope, "linkdir"));
  await box.fs.remove("link.txt", undefined, "data");
  await box.fs.remove("linkdir", { recursive: true }, "data");
  assert.deepEqual(await Array.fromAsync(Deno.readDir(box.scope)), []);
  assert.equal(await Deno.readTextFile(join(box.outside, "secret.txt")), SECRET);
});

Deno.test("the root of a scope cannot be removed", async () => {
  await using box = await sandbox();
  for (const path of ["", ".", "a/..", "./"]) {
    await refused(
      box.fs.remove(path, { recursive: true }, "data"),
      "invalid",
      /root of a scope cannot be removed/,
    );
  }
  await refused(
    box.fs.remove(box.scope, { recursive: true }),
    "invalid",
    /root of a scope cannot be removed/,
  );
  await refused(box.fs.remove(box.scope + "/"), "invalid", /root of a scope cannot be removed/);
  assert.ok((await Deno.stat(box.scope)).isDirectory);
});

Deno.test("a read-only scope allows reads and refuses writes, mkdir and remove", async () => {
  await using box = await sandbox();
  await Deno.writeTextFile(join(box.scope, "f.txt"), "kept");
  const missing = join(box.dir, "missing-root");
  const fs = new ScopedFs([
    { name: "ro", root: box.scope, write: false },
    { name: "gone", root: missing, write: false },
  ]);
  assert.equal(await fs.readTextFile("f.txt", "ro"), "kept");
  assert.equal(await fs.exists(join(box.scope, "f.txt")), true);
  assert.equal((await fs.readDir("", "ro")).length, 1);
  const readOnly = /scope "ro" is read-only/;
  await refused(fs.writeTextFile("f.txt", "changed", "ro"), "read-only", readOnly);
  await refused(fs.writeFile(join(box.scope, "new.bin"), new Uint8Array([1])), "read-only", readOnly);
  await refused(fs.mkdir("d", undefined, "ro"), "read-only", readOnly);
  await refused(fs.remove("f.txt", undefined, "ro"), "read-only", readOnly);
  await refused(fs.writeTextFile("x", "x", "gone"), "read-only", /scope "gone" is read-only/);
  assert.equal(await Deno.readTextFile(join(box.scope, "f.txt")), "kept");
  assert.deepEqual((await Array.fromAsync(Deno.readDir(box.scope))).map((e) => e.name), ["f.txt"]);
  assert.equal(await fs.exists("", "gone"), false); // a read-only root is never created
});

Deno.test("nested scopes: the innermost decides whether a path may be written", async () => {
  await using box = await sandbox();
  await Deno.mkdir(join(box.scope, "docs"));
  const fs = new ScopedFs([
    { name: "data", root: box.scope, write: true },
    { name: "docs", root: join(box.scope, "docs"), write: false },
  ]);
  await fs.writeTextFile("a.txt", "a", "data");
  await refused(fs.writeTextFile("docs/b.txt", "b", "data"), "read-only", /scope "docs" is read-only/);
  await refused(fs.writeTextFile(join(box.scope, "docs", "b.txt"), "b"), "read-only", /"docs" is read-only/);
  await refused(
    fs.remove("docs", { recursive: true }, "data"),
    "invalid",
    /root of a scope cannot be removed/,
  );
  await refused(fs.readTextFile("../a.txt", "docs"), "outside", /escapes its scope/);
});

Deno.test("a scope root swapped for a symlink after first use is refused", async () => {
  await using box = await sandbox();
  await box.fs.writeTextFile("f.txt", "mine", "data");
  await Deno.rename(box.scope, join(box.dir, "moved"));
  await Deno.symlink(box.outside, box.scope);
  await refused(box.fs.readTextFile("secret.txt", "data"), "outside", /symbolic link to outside/);
  await refused(box.fs.writeTextFile("secret.txt", "pwned", "data"), "outside", /symbolic link to outside/);
  assert.equal(await Deno.readTextFile(join(box.outside, "secret.txt")), SECRET);
});

Deno.test("atomic writes: no temp file left, permission bits kept, a failed write cleans up", async () => {
  await using box = await sandbox();
  await Deno.writeTextFile(join(box.scope, "private.txt"), "old", { mode: 0o600 });
  await Deno.chmod(join(box.scope, "private.txt"), 0o600);
  await box.fs.writeTextFile("private.txt", "new", "data");
  assert.equal(await Deno.readTextFile(join(box.scope, "private.txt")), "new");
  if (Deno.build.os !== "windows") {
    assert.equal((await Deno.stat(join(box.scope, "private.txt"))).mode! & 0o777, 0o600);
  }
  await Deno.mkdir(join(box.scope, "dir"));
  await Deno.writeTextFile(join(box.scope, "dir", "f"), "f");
  await refused(
    box.fs.writeTextFile("dir", "x", "data"),
    "invalid",
    /writeTextFile "dir" in scope "data": is a directory/,
  );
  // A failure after the temp file exists (here the rename, which only the path-based backend calls through
  // Deno; and the writing itself, for either backend) removes it and leaves the old file.
  const diskOnFire = Object.assign(new Error("input/output error"), { code: "EIO" });
  if (BACKEND === "path") {
    await patched("rename", () => () => Promise.reject(diskOnFire), async () => {
      await refused(
        box.fs.writeTextFile("private.txt", "lost", "data"),
        "io",
        /private.txt" .*: failed \(EIO\)/,
      );
    });
  }
  class FailingBytes extends Uint8Array {
    override subarray(): Uint8Array<ArrayBuffer> {
      throw diskOnFire;
    }
  }
  await refused(
    box.fs.writeFile("private.txt", new FailingBytes(4), "data"),
    "io",
    /private.txt" .*: failed \(EIO\)/,
  );
  assert.equal(await Deno.readTextFile(join(box.scope, "private.txt")), "new");
  assert.deepEqual(await temps(box.scope), []);
  // Names at the 255-byte limit still leave room for the temp file's name.
  await box.fs.writeTextFile("n".repeat(255), "long", "data");
  await box.fs.writeTextFile("😀".repeat(63), "wide", "data");
  assert.equal(await box.fs.readTextFile("😀".repeat(63), "data"), "wide");
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => box.fs.writeTextFile("same.txt", `write ${i}`, "data")),
  );
  assert.match(await Deno.readTextFile(join(box.scope, "same.txt")), /^write \d+$/);
  assert.deepEqual(await temps(box.scope), []);
});

Deno.test("a dead writer's temp files are swept by the next write there; a live one's are kept", async () => {
  await using box = await sandbox();
  const dead = join(box.scope, `.f.txt.0123${TEMP_SUFFIX}`);
  const live = join(box.scope, `.g.txt.4567${TEMP_SUFFIX}`);
  await Deno.writeTextFile(dead, "half a wri");
  await Deno.writeTextFile(live, "in progr");
  using holder = await Deno.open(live, { read: true, write: true });
  await holder.lock(true); // what a live writer holds until it renames or dies
  await box.fs.writeTextFile("f.txt", "done", "data");
  assert.deepEqual((await temps(box.scope)).map((entry) => entry.name), [`.g.txt.4567${TEMP_SUFFIX}`]);
  await Deno.mkdir(join(box.scope, "sub"));
  await Deno.writeTextFile(join(box.scope, "sub", `.x.89ab${TEMP_SUFFIX}`), "");
  await box.fs.writeTextFile("sub/x", "x", "data");
  assert.deepEqual(await temps(join(box.scope, "sub")), []);
});

/** scope/d (a real folder holding f.txt) and what a racing process does to it: swap it for a symlink to the
 * outside folder, which has an f.txt of its own, and swap it back. */
async function swappable(box: Awaited<ReturnType<typeof sandbox>>) {
  const folder = join(box.scope, "d");
  const aside = join(box.scope, "aside");
  await Deno.mkdir(folder);
  await Deno.writeTextFile(join(folder, "f.txt"), "inside");
  await Deno.writeTextFile(join(box.outside, "f.txt"), SECRET);
  return {
    swapIn() {
      Deno.renameSync(folder, aside);
      Deno.symlinkSync(box.outside, folder);
    },
    swapBack() {
      Deno.removeSync(folder);
      Deno.renameSync(aside, folder);
    },
    async outsideNames() {
      return (await Array.fromAsync(Deno.readDir(box.outside))).map((entry) => entry.name).sort();
    },
  };
}

type Patchable = "open" | "rename" | "stat" | "mkdir";

/** Wraps one Deno function while `body` runs: the test's way of acting at the exact moment a race would. */
async function patched<K extends Patchable>(
  name: K,
  wrap: (original: typeof Deno[K]) => typeof Deno[K],
  body: () => Promise<void>,
) {
  const deno = Deno as unknown as Record<K, typeof Deno[K]>;
  const original = deno[name];
  deno[name] = wrap(original);
  try {
    await body();
  } finally {
    deno[name] = original;
  }
}

const isInD = (path: string | URL) => String(path).includes("/scope/d/");

Deno.test(
  "race: a folder swapped for a symlink around the open is not read through",
  pathBackendOnly,
  async () => {
    await using box = await sandbox();
    const race = await swappable(box);
    // Swapped for good just before the open: the re-check after it sees the symlink.
    await patched("open", (open) => async (path, options) => {
      if (isInD(path) && !(await Deno.lstat(join(box.scope, "d"))).isSymlink) race.swapIn();
      return open(path, options);
    }, async () => {
      await refused(box.fs.readTextFile("d/f.txt", "data"), "outside", /symbolic link to outside/);
    });
    race.swapBack();
    // Swapped for the open only and back at once: the path checks out again, but the inode is not its file.
    await patched("open", (open) => async (path, options) => {
      if (!isInD(path)) return open(path, options);
      race.swapIn();
      const file = await open(path, options);
      race.swapBack();
      return file;
    }, async () => {
      await refused(box.fs.readTextFile("d/f.txt", "data"), "outside", /path changed while in use/);
    });
    assert.equal(await box.fs.readTextFile("d/f.txt", "data"), "inside");
  },
);

Deno.test(
  "race: a folder swapped for a symlink during a write never changes what is outside",
  pathBackendOnly,
  async () => {
    await using box = await sandbox();
    const race = await swappable(box);
    // At the temp file's creation, for good: it lands outside, is caught before any data, and removed.
    await patched("open", (open) => (path, options) => {
      if (options?.createNew && isInD(path)) race.swapIn();
      return open(path, options);
    }, async () => {
      await refused(box.fs.writeTextFile("d/f.txt", "pwned", "data"), "outside", /path changed while in use/);
    });
    assert.deepEqual(await race.outsideNames(), ["f.txt", "secret.txt"]);
    race.swapBack();
    // At the creation only, swapped back at once: caught the same way; the empty temp file stays outside.
    await patched("open", (open) => async (path, options) => {
      if (!options?.createNew || !isInD(path)) return open(path, options);
      race.swapIn();
      const file = await open(path, options);
      race.swapBack();
      return file;
    }, async () => {
      await refused(box.fs.writeTextFile("d/f.txt", "pwned", "data"), "outside", /path changed while in use/);
    });
    const stray = (await race.outsideNames()).filter((name) => name.endsWith(TEMP_SUFFIX));
    assert.equal(stray.length, 1);
    assert.equal((await Deno.stat(join(box.outside, stray[0]))).size, 0);
    // Just before the rename: the swapped path holds no temp file, so nothing is renamed.
    await patched("rename", (rename) => (from, to) => {
      race.swapIn();
      return rename(from, to);
    }, async () => {
      await refused(box.fs.writeTextFile("d/f.txt", "pwned", "data"), "outside", /path changed while in use/);
    });
    assert.equal(await Deno.readTextFile(join(box.outside, "f.txt")), SECRET);
    race.swapBack();
    assert.equal(await Deno.readTextFile(join(box.scope, "d", "f.txt")), "inside");
  },
);

Deno.test("race: stat and mkdir re-check the path after acting on it", pathBackendOnly, async () => {
  await using box = await sandbox();
  const race = await swappable(box);
  await patched("stat", (stat) => (path) => {
    if (isInD(path)) race.swapIn();
    return stat(path);
  }, async () => {
    await refused(box.fs.stat("d/f.txt", "data"), "outside", /path changed while in use/);
  });
  race.swapBack();
  await patched("mkdir", (mkdir) => (path, options) => {
    if (isInD(path)) race.swapIn(); // not for the scope root, which is made first
    return mkdir(path, options);
  }, async () => {
    await refused(box.fs.mkdir("d/new", undefined, "data"), "outside", /path changed while in use/);
  });
  // Refused, but not undone: the empty folder was made outside (a residual risk, see ScopedFs).
  assert.deepEqual(await race.outsideNames(), ["f.txt", "new", "secret.txt"]);
});

Deno.test("SIGKILL mid-write leaves the old file or the new one, never a torn one", async () => {
  await using box = await sandbox();
  const size = 4 << 20;
  const lanes = 4; // writers killed in parallel, each on its own file, for more kills in the time
  const writer = new URL("./fs/writer.ts", import.meta.url).pathname;
  const contents = [0x41, 0x42].map((byte) => new Uint8Array(size).fill(byte));
  const until = Date.now() + 4000;
  const figures = { kills: 0, torn: 0, midWrite: 0, writes: 0 };

  async function lane(root: string) {
    await Deno.mkdir(root);
    await new ScopedFs([{ name: "data", root, write: true }]).writeFile("blob.bin", contents[0], "data");
    while (Date.now() < until) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-read", "--allow-write", "--allow-ffi", writer, root, String(size), BACKEND],
        stdout: "piped",
      }).spawn();
      const lines = countLines(child.stdout);
      await lines.first; // started: the writes begin now
      await new Promise((wake) => setTimeout(wake, Math.random() * 40));
      child.kill("SIGKILL");
      assert.equal((await child.status).signal, "SIGKILL");
      figures.kills++;
      figures.writes += await lines.total - 1;
      const bytes = await Deno.readFile(join(root, "blob.bin"));
      if (!contents.some((content) => equalBytes(content, bytes))) figures.torn++;
      // Each writer sweeps its predecessor's temp file, so at most the one just killed is left.
      const left = (await temps(root)).length;
      assert.ok(left <= 1, `${left} temp files left`);
      if (left) figures.midWrite++;
    }
    // The next process writing there removes what the last killed writer left.
    await new ScopedFs([{ name: "data", root, write: true }]).writeFile("blob.bin", contents[1], "data");
    assert.deepEqual(await temps(root), []);
  }

  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(join(box.scope, `lane${i}`))));
  console.log(`  ${JSON.stringify(figures)}`);
  assert.equal(figures.torn, 0);
  assert.ok(figures.kills >= 10, `only ${figures.kills} kills`);
  assert.ok(figures.midWrite > 0, "no kill landed in the middle of a write");
});

/** Counts the lines a child prints: `first` settles at the first line (or the end), `total` at the end. */
function countLines(stream: ReadableStream<Uint8Array>) {
  let started!: () => void;
  const first = new Promise<void>((resolve) => started = resolve);
  const total = (async () => {
    let lines = 0;
    for await (const chunk of stream) {
      for (const byte of chunk) if (byte === 10 && ++lines === 1) started();
    }
    started();
    return lines;
  })();
  return { first, total };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

Deno.test("remove refuses a folder that holds another scope's folder", async () => {
  const root = await Deno.makeTempDir({ prefix: "airlock-fs-nested-" });
  await Deno.mkdir(join(root, "sub", "ro"), { recursive: true });
  await Deno.writeTextFile(join(root, "sub", "ro", "keep.txt"), "kept");
  const fs = new ScopedFs([
    { name: "outer", root, write: true },
    { name: "ro", root: join(root, "sub", "ro"), write: false },
  ]);
  await assert.rejects(
    fs.remove("sub", { recursive: true }, "outer"),
    /remove "sub" in scope "outer": it holds the folder of another file scope/,
  );
  assert.equal(await Deno.readTextFile(join(root, "sub", "ro", "keep.txt")), "kept");
  await Deno.remove(root, { recursive: true });
});

Deno.test("a read never returns more than its limit while another process appends, nor crawls", async () => {
  await using box = await sandbox();
  const limit = 1024 * 1024;
  const path = join(box.scope, "growing.log");
  await Deno.writeFile(path, new Uint8Array(limit - 4096).fill(0x61));
  const appender = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      new URL("./fs/appender.ts", import.meta.url).pathname,
      path,
    ],
    stdout: "piped",
  }).spawn();
  const reader = appender.stdout.getReader();
  await reader.read(); // appending from now on
  try {
    let refusedDuring = 0;
    for (let i = 0; i < 300; i++) {
      // Back under the limit before each read, so the file grows past it during the read, not before.
      await Deno.truncate(path, limit - 64 * 1024);
      const started = performance.now();
      try {
        const bytes = await box.fs.readFile("growing.log", "data", limit);
        assert.ok(bytes.length <= limit, `read ${bytes.length} bytes, limit ${limit}`);
      } catch (error) {
        assert.match((error as Error).message, /too large to send to the page/);
        if (/more than/.test((error as Error).message)) refusedDuring++;
      }
      const took = performance.now() - started;
      assert.ok(took < 2000, `one read took ${Math.round(took)} ms`);
    }
    assert.ok(refusedDuring > 0, "the file never grew past the limit during a read: the test proved nothing");
  } finally {
    try {
      appender.kill("SIGKILL");
    } catch {
      // already ended
    }
    await appender.status;
    reader.releaseLock();
    await appender.stdout.cancel();
  }
});

Deno.test("capability scope globs: Tauri's path variables, * within one level, ** any depth, no hidden files, deny wins", () => {
  const dirs: Record<number, string> = { 14: "/home/ada/.local/share/app", 21: "/home/ada" };
  const resolveDirectory = (n: number) => {
    if (!(n in dirs)) throw new Error("unknown");
    return dirs[n];
  };
  const scope = new FsCapabilityScope({
    allow: [{ path: "$APPDATA/**" }, { path: "$HOME/notes/*.txt" }, "$HOME/one.md", { path: "$LOG/**" }],
    deny: [{ path: "$APPDATA/secret/**" }, { path: "$HOME/notes/private.txt" }],
  }, resolveDirectory);
  const allowed = [
    "/home/ada/.local/share/app/a.txt",
    "/home/ada/.local/share/app/deep/er/b.bin",
    "/home/ada/notes/today.txt",
    "/home/ada/one.md",
  ];
  const refused = [
    "/home/ada/.local/share/app", // ** is at least one level: Tauri's permissions list the folder beside it
    "/home/ada/.local/share/app/secret/key", // denied
    "/home/ada/.local/share/app/.hidden", // wildcards do not match a leading dot
    "/home/ada/.local/share/app/a/.git/config",
    "/home/ada/notes/sub/today.txt", // * stays within one level
    "/home/ada/notes/today.md",
    "/home/ada/notes/private.txt", // denied
    "/home/ada/two.md",
    "/etc/passwd",
  ];
  for (const path of allowed) assert.equal(scope.allows(path), true, path);
  for (const path of refused) assert.equal(scope.allows(path), false, path);
  assert.equal(scope.allow.length, 3, "$LOG is no variable Tauri knows: that entry grants nothing");
  assert.deepEqual(scope.allow.map((p) => p.root), [
    "/home/ada/.local/share/app",
    "/home/ada/notes",
    "/home/ada",
  ]);
  // ".." in an entry is dropped, as Tauri's PathResolver::parse drops it.
  assert.equal(entryPath({ path: "$HOME/../../etc/*" }, resolveDirectory), "/home/ada/etc/*");
  assert.equal(entryPath({ path: "relative/*" }, resolveDirectory), null);
  assert.equal(entryPath({ url: "https://x" }, resolveDirectory), null);
});

Deno.test("ScopedFs with a capability scope: the union of config scopes and allow globs, deny over both", async () => {
  await using box = await sandbox();
  const granted = join(box.dir, "granted");
  await Deno.mkdir(granted);
  await Deno.writeTextFile(join(granted, "a.txt"), "by capability");
  await Deno.writeTextFile(join(box.scope, "b.txt"), "by config");
  await Deno.writeTextFile(join(box.scope, "deny.txt"), "denied");
  const policy = new FsCapabilityScope({
    allow: [{ path: `${granted}/**` }],
    deny: [{ path: `${box.scope}/deny.txt` }],
  }, () => "/");
  const fs = box.fs.withPolicy(policy);
  assert.equal(await fs.readTextFile(join(granted, "a.txt")), "by capability");
  assert.equal(await fs.readTextFile("b.txt", "data"), "by config");
  await fs.writeTextFile(join(granted, "new.txt"), "written");
  assert.equal(await Deno.readTextFile(join(granted, "new.txt")), "written");
  await refused(fs.readTextFile("deny.txt", "data"), "outside", /denied by the app's fs scope/);
  await refused(
    fs.readTextFile(join(box.outside, "secret.txt")),
    "outside",
    /not allowed by the app's fs scope/,
  );
  // The same fs without the policy knows nothing of the glob.
  await refused(box.fs.readTextFile(join(granted, "a.txt")), "outside", /outside every file scope/);
});

Deno.test("the fs permission manifest resolves as Tauri's: fs:default, per-folder sets, scope-app-index", () => {
  const parsed = parseCapabilityFile({
    identifier: "main",
    windows: ["main"],
    permissions: ["fs:default", "fs:allow-appdata-write-recursive", "fs:allow-home-meta"],
  }, "default.json");
  const policy = new Policy(parsed, MANIFESTS, { permissions: {}, sets: {}, default: null }, {
    warn: () => {},
  });
  const main = policy.forWindow("main");
  const write = main.check("plugin:fs|write_text_file") as { allowed: true; scope: Scope };
  assert.equal(write.allowed, true);
  const paths = (entries: ScopeEntry[]) => entries.map((entry) => entry.path).sort();
  assert.ok(paths(write.scope.allow).includes("$APPDATA/**"));
  assert.ok(paths(write.scope.allow).includes("$APPCONFIG"), "fs:default's scope-app-index");
  assert.ok(paths(write.scope.allow).includes("$HOME"), "fs:allow-home-meta's scope-home-index");
  assert.deepEqual(paths(write.scope.deny), ["$APPLOCALDATA/**", "$APPLOCALDATA/EBWebView/**"]);
  assert.equal((main.check("plugin:fs|read_dir") as { allowed: boolean }).allowed, true);
  assert.equal((main.check("plugin:fs|size") as { allowed: boolean }).allowed, true);
  assert.equal(FS_MANIFEST.commands.length, new Set(FS_MANIFEST.commands).size);
  for (
    const name of ["read-all", "write-all", "read-files", "write-files", "read-dirs", "read-meta", "scope"]
  ) {
    assert.ok(FS_MANIFEST.permissions?.[name], name);
  }
  for (const base of ["appdata", "home", "temp", "resource", "exe", "app"]) {
    for (const kind of ["read", "write", "meta"]) {
      assert.ok(FS_MANIFEST.sets?.[`allow-${base}-${kind}`], `allow-${base}-${kind}`);
      assert.ok(FS_MANIFEST.sets?.[`allow-${base}-${kind}-recursive`], `allow-${base}-${kind}-recursive`);
    }
    for (const scope of ["", "-recursive", "-index"]) {
      assert.ok(FS_MANIFEST.permissions?.[`scope-${base}${scope}`]);
    }
  }
});
