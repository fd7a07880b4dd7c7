// The scoped filesystem: what a page may read and write, confined to the folders the app configured.
// Paths come from a hostile-by-assumption page, so each one is normalised and its symlinks are resolved
// before it is checked against the scopes; writes are atomic (temp file, fsync, rename); errors name the path
// as the page gave it, never the resolved one (that would tell the page where the user's files live).
import { basename, dirname, isAbsolute, join, posix, resolve, sep, win32 } from "node:path";
import type { FsCapabilityScope, PathPattern } from "./fs/scope.ts";

export type FsErrorCode = "invalid" | "outside" | "read-only" | "not-found" | "exists" | "io";

/** An operation refused or failed; the message names the operation and the path as the caller gave it. */
export class FsError extends Error {
  override name = "FsError";
  constructor(message: string, readonly code: FsErrorCode, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A folder the page may use: `root` is absolute; `write: false` allows reads only. */
export interface FsScope {
  name: string;
  root: string;
  write: boolean;
}

export interface DirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

/** Tauri's FileInfo (plugin-fs), times in milliseconds since the epoch or null where the platform has none. */
export interface FileStat {
  size: number;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  mtime: number | null;
  atime: number | null;
  birthtime: number | null;
  readonly: boolean;
  fileAttributes: number | null;
  dev: number | null;
  ino: number | null;
  mode: number | null;
  nlink: number | null;
  uid: number | null;
  gid: number | null;
  rdev: number | null;
  blksize: number | null;
  blocks: number | null;
}

export interface RecursiveOption {
  recursive?: boolean;
}

export const MAX_PATH_LENGTH = 4096;
/** Temp files of atomic writes end with this; a killed writer's leftovers are recognised by it. */
export const TEMP_SUFFIX = ".airlock-tmp";
const MAX_LINK_HOPS = 40;
/** Attempts at opening a file that keeps changing under us before giving up (an atomic rewrite by another
 * writer can replace it between our check and our open; a swapped-in symlink keeps failing). */
const OPEN_ATTEMPTS = 3;

interface Platform {
  os?: typeof Deno.build.os;
  env?: (name: string) => string | undefined;
}

/** Where an app keeps its data, by the platform's convention (Tauri's appDataDir). */
export function appDataDir(identifier: string, platform: Platform = {}): string {
  if (typeof identifier !== "string" || /^\.{0,2}$/.test(identifier) || /[/\\\0]/.test(identifier)) {
    throw new FsError(`app identifier ${JSON.stringify(identifier)} cannot name a folder`, "invalid");
  }
  const os = platform.os ?? Deno.build.os;
  const env = platform.env ?? ((name: string) => Deno.env.get(name));
  const required = (name: string) => {
    const value = env(name);
    if (!value) throw new FsError(`cannot find the app data folder: ${name} is not set`, "invalid");
    return value;
  };
  if (os === "windows") return win32.join(required("APPDATA"), identifier);
  if (os === "darwin") return posix.join(required("HOME"), "Library", "Application Support", identifier);
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env("XDG_DATA_HOME");
  if (xdg && posix.isAbsolute(xdg)) return posix.join(xdg, identifier);
  return posix.join(required("HOME"), ".local", "share", identifier);
}

/** read/write: the path resolved in full; remove and link: all but its last component (a symlink there is
 * acted on itself); write, remove: the scope must be writable. */
type Intent = "read" | "write" | "remove" | "link";

/** Tauri's open options (plugin-fs OpenOptions), for file handles and in-place writes. */
export interface OpenOptions {
  read?: boolean;
  write?: boolean;
  append?: boolean;
  truncate?: boolean;
  create?: boolean;
  createNew?: boolean;
  mode?: number;
}

/** Tauri's WriteFileOptions: append, create (default true), createNew, mode. */
export type WriteOptions = Pick<OpenOptions, "append" | "create" | "createNew" | "mode">;

/** A checked path: the scope that decides what may be done there, and the symlink-free path to use. */
interface Target {
  scope: FsScope;
  real: string;
}

/**
 * File operations for the page, each confined to the scopes. A call names a path relative to a scope (`base`)
 * or, without a base, an absolute path inside some scope. When scopes nest, the innermost scope containing
 * the resolved path decides whether it may be written, however the path was named.
 *
 * Races (TOCTOU): the check resolves every symlink, but a local process able to write inside a scope could
 * swap a folder for a symlink between the check and the use. Deno offers no openat or O_NOFOLLOW (and
 * /proc/self/fd, which would name an open file, needs --allow-all), so the use is checked again after the
 * fact: a file is opened, then before and after it is read must still resolve to the checked path with no
 * symlink on the way and be the same inode; a temp file must be in the checked folder before its data is
 * written and again just before the rename, whose source is a random name only that folder holds. mkdir,
 * remove, readDir and stat act on paths, re-checked just before (readDir and stat also after) the call. This
 * stops a symlink swapped in and left there, or swapped in for the open and straight back (the "race: ..."
 * tests). What remains, against a process that keeps swapping back and forth as fast as it can
 * (tests/fs/race.ts measures it): a read can, rarely, get through to the outside file when the swaps fall
 * just so around both re-checks; a swap landing inside the rename itself (the kernel looks up source and
 * target folders separately) can move the new file outside; a mkdir or remove can be redirected within its
 * small window; an empty temp file can be left outside. The page cannot mount any of this by itself: nothing
 * here creates a symlink or renames a folder. Closing it fully needs openat2(RESOLVE_BENEATH), or openat with
 * O_NOFOLLOW per component, through FFI.
 */
export class ScopedFs {
  readonly #scopes: FsScope[];
  /** The capability scope of the call (allow/deny globs), or null in legacy mode (config scopes only). */
  readonly #policy: FsCapabilityScope | null;
  /** Each root with its symlinks resolved, fixed at first use so a root swapped later is refused. */
  readonly #realRoots: Map<string, Promise<string>>;
  /** Folders already swept of dead writers' temp files by this process; writes wait for the sweep. */
  readonly #sweeps: Map<string, Promise<void>>;

  constructor(scopes: FsScope[], policy: FsCapabilityScope | null = null, shared?: ScopedFs) {
    const names = new Set<string>();
    this.#scopes = scopes.map(({ name, root, write }) => {
      if (typeof name !== "string" || name === "") throw new FsError("a file scope needs a name", "invalid");
      if (names.has(name)) throw new FsError(`file scope "${name}" is defined twice`, "invalid");
      names.add(name);
      if (typeof root !== "string" || !isAbsolute(root) || root.includes("\0")) {
        throw new FsError(`file scope "${name}": root must be an absolute path`, "invalid");
      }
      return Object.freeze({ name, root: resolve(root), write: write === true });
    });
    this.#policy = policy;
    this.#realRoots = shared ? shared.#realRoots : new Map();
    this.#sweeps = shared ? shared.#sweeps : new Map();
  }

  /** The same scopes, with a call's capability scope added: a path is then allowed when a config scope
   * holds it or an allow glob matches it, and refused whenever a deny glob matches it (deny wins). */
  withPolicy(policy: FsCapabilityScope | null): ScopedFs {
    return new ScopedFs(this.#scopes, policy, this);
  }

  readTextFile(path: string, base?: string, limit?: number): Promise<string> {
    return this.#run("readTextFile", path, base, async (where) => {
      return new TextDecoder().decode(await this.#read(where, path, base, limit));
    });
  }

  /** The file's bytes; with a limit, a file longer than that is refused, also one that grows meanwhile. */
  readFile(path: string, base?: string, limit?: number): Promise<Uint8Array> {
    return this.#run("readFile", path, base, (where) => this.#read(where, path, base, limit));
  }

  writeTextFile(path: string, text: string, base?: string): Promise<void> {
    return this.#run("writeTextFile", path, base, async (where) => {
      if (typeof text !== "string") throw new FsError(`${where}: contents must be a string`, "invalid");
      await this.#write(where, path, base, new TextEncoder().encode(text));
    });
  }

  writeFile(path: string, bytes: Uint8Array, base?: string, options: WriteOptions = {}): Promise<void> {
    return this.#run("writeFile", path, base, async (where) => {
      if (!(bytes instanceof Uint8Array)) throw new FsError(`${where}: contents must be bytes`, "invalid");
      if (options.append || options.create === false || options.createNew) {
        await this.#writeInPlace(where, path, base, bytes, options);
      } else await this.#write(where, path, base, bytes);
    });
  }

  readDir(path: string, base?: string): Promise<DirEntry[]> {
    return this.#run("readDir", path, base, async (where) => {
      const { real } = await this.#target(where, path, base, "read");
      const entries: DirEntry[] = [];
      for await (const { name, isFile, isDirectory, isSymlink } of Deno.readDir(real)) {
        entries.push({ name, isFile, isDirectory, isSymlink });
      }
      await stillAt(where, real);
      return entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    });
  }

  mkdir(path: string, options?: RecursiveOption, base?: string): Promise<void> {
    return this.#run("mkdir", path, base, async (where) => {
      const { scope, real } = await this.#target(where, path, base, "write");
      await this.#createRoot(scope);
      await stillAt(where, dirname(real));
      await Deno.mkdir(real, { recursive: recursive(where, options) });
      await stillAt(where, real);
    });
  }

  remove(path: string, options?: RecursiveOption, base?: string): Promise<void> {
    return this.#run("remove", path, base, async (where) => {
      const { real } = await this.#target(where, path, base, "remove");
      await stillAt(where, dirname(real));
      await Deno.remove(real, { recursive: recursive(where, options) });
    });
  }

  stat(path: string, base?: string): Promise<FileStat> {
    return this.#run("stat", path, base, async (where) => {
      const { real } = await this.#target(where, path, base, "read");
      const info = await Deno.stat(real);
      await stillAt(where, real);
      return fileStat(info);
    });
  }

  /** The path itself: a symlink's own metadata (the link must be in scope, where it points need not be). */
  lstat(path: string, base?: string): Promise<FileStat> {
    return this.#run("lstat", path, base, async (where) => {
      const { real } = await this.#target(where, path, base, "link");
      await stillAt(where, dirname(real));
      return fileStat(await Deno.lstat(real));
    });
  }

  exists(path: string, base?: string): Promise<boolean> {
    return this.#run("exists", path, base, async (where) => {
      const { real } = await this.#target(where, path, base, "read");
      try {
        await Deno.stat(real);
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
      await stillAt(where, real);
      return true;
    });
  }

  /** Moves a file or folder; both ends must be writable. Symlinks at either end are not followed. */
  rename(from: string, to: string, fromBase?: string, toBase?: string): Promise<void> {
    return this.#run("rename", from, fromBase, async (where) => {
      const source = await this.#target(where, from, fromBase, "remove");
      const target = await this.#run("rename", to, toBase, (w) => this.#target(w, to, toBase, "remove"));
      await this.#createRoot(target.scope);
      await stillAt(where, dirname(source.real));
      await stillAt(where, dirname(target.real));
      await Deno.rename(source.real, target.real);
    });
  }

  /** Copies a file's contents to another file, written atomically like writeFile. */
  copyFile(from: string, to: string, fromBase?: string, toBase?: string, limit?: number): Promise<void> {
    return this.#run("copyFile", from, fromBase, async (where) => {
      const bytes = await this.#read(where, from, fromBase, limit);
      await this.#run("copyFile", to, toBase, (w) => this.#write(w, to, toBase, bytes));
    });
  }

  truncate(path: string, length = 0, base?: string): Promise<void> {
    return this.#run("truncate", path, base, async (where) => {
      if (!Number.isSafeInteger(length) || length < 0) {
        throw new FsError(`${where}: the length must be a whole number of bytes`, "invalid");
      }
      await this.#withOpenFile(where, path, base, { write: true }, (file) => file.truncate(length));
    });
  }

  /** Opens a file for a handle (Tauri's open/create): the caller owns the returned file and closes it. */
  open(path: string, options: OpenOptions, base?: string): Promise<Deno.FsFile> {
    return this.#run("open", path, base, async (where) => {
      const writes = !!(options.write || options.append || options.truncate || options.create ||
        options.createNew);
      for (let attempt = 1;; attempt++) {
        const { scope, real } = await this.#target(where, path, base, writes ? "write" : "read");
        if (writes) await this.#createRoot(scope);
        await stillAt(where, dirname(real));
        const file = await Deno.open(real, {
          read: options.read ?? !writes,
          write: options.write,
          append: options.append,
          truncate: options.truncate,
          create: options.create,
          createNew: options.createNew,
          mode: options.mode,
        });
        const info = await file.stat();
        if (!info.isFile) {
          file.close();
          throw new FsError(`${where}: is not a regular file`, "invalid");
        }
        if (isAt(info, real)) return file;
        file.close();
        if (attempt === OPEN_ATTEMPTS) throw changed(where);
      }
    });
  }

  async #withOpenFile<T>(
    where: string,
    path: string,
    base: string | undefined,
    options: OpenOptions,
    body: (file: Deno.FsFile) => Promise<T>,
  ): Promise<T> {
    const { scope, real } = await this.#target(where, path, base, options.write ? "write" : "read");
    if (options.write) await this.#createRoot(scope);
    using file = await Deno.open(real, {
      read: !options.write,
      write: options.write,
      append: options.append,
    });
    if (!isAt(await file.stat(), real)) throw changed(where);
    return await body(file);
  }

  /** Validates the arguments every call shares, runs the operation, and turns OS errors into FsErrors. */
  async #run<T>(op: string, path: unknown, base: unknown, body: (where: string) => Promise<T>): Promise<T> {
    if (typeof path !== "string") {
      throw new FsError(`${op}: path must be a string, not ${kind(path)}`, "invalid");
    }
    if (base !== undefined && typeof base !== "string") {
      throw new FsError(`${op}: base must be a scope name, not ${kind(base)}`, "invalid");
    }
    const where = `${op} ${quote(path)}${base === undefined ? "" : ` in scope ${quote(base)}`}`;
    if (path.length > MAX_PATH_LENGTH) {
      throw new FsError(
        `${where}: path is too long (${path.length} > ${MAX_PATH_LENGTH} characters)`,
        "invalid",
      );
    }
    if (path.includes("\0")) throw new FsError(`${where}: path contains a NUL byte`, "invalid");
    try {
      return await body(where);
    } catch (error) {
      throw error instanceof FsError ? error : osError(where, error);
    }
  }

  /** Normalises, resolves and checks a path; see the class comment for what the resolution promises. */
  async #target(where: string, path: string, base: string | undefined, intent: Intent): Promise<Target> {
    let lexical: string;
    let candidates: FsScope[];
    if (base !== undefined) {
      const scope = this.#scopes.find((s) => s.name === base);
      if (!scope) throw new FsError(`${where}: there is no file scope named ${quote(base)}`, "invalid");
      if (isAbsolute(path)) {
        throw new FsError(`${where}: path must be relative when a base scope is given`, "invalid");
      }
      lexical = resolve(scope.root, path);
      if (!within(scope.root, lexical)) throw new FsError(`${where}: path escapes its scope`, "outside");
      candidates = [scope];
    } else {
      if (!isAbsolute(path)) {
        throw new FsError(`${where}: path must be absolute when no base scope is given`, "invalid");
      }
      lexical = resolve(path);
      candidates = this.#scopes;
    }
    const roots = await Promise.all(this.#scopes.map((scope) => this.#realRoot(scope.root)));
    if (
      intent === "remove" && roots.some((root, i) => lexical === root || lexical === this.#scopes[i].root)
    ) {
      throw new FsError(`${where}: the root of a scope cannot be removed`, "invalid");
    }
    // remove (unlink) and lstat act on a symlink itself, so only the folders above it are resolved.
    const real = intent === "remove" || intent === "link"
      ? join(await resolveReal(dirname(lexical)), basename(lexical))
      : await resolveReal(lexical);
    if (intent === "remove" && roots.includes(real)) {
      throw new FsError(`${where}: the root of a scope cannot be removed`, "invalid");
    }
    // A recursive remove would take a nested scope's folder with it, read-only or not.
    if (intent === "remove" && roots.some((root) => root !== real && within(real, root))) {
      throw new FsError(`${where}: it holds the folder of another file scope`, "invalid");
    }
    const policy = this.#policy;
    if (policy && await this.#matches(policy.deny, real)) {
      throw new FsError(`${where}: path is denied by the app's fs scope`, "outside");
    }
    if (!candidates.some((scope) => within(roots[this.#scopes.indexOf(scope)], real))) {
      // Not in a config scope: a capability's allow glob may still grant it (absolute paths only).
      const granted = base === undefined && policy ? await this.#matches(policy.allow, real) : null;
      if (granted) {
        return { scope: { name: granted, root: await this.#realRoot(granted), write: true }, real };
      }
      const lexicallyInside = candidates.some((scope) =>
        within(scope.root, lexical) || within(roots[this.#scopes.indexOf(scope)], lexical)
      );
      throw new FsError(
        lexicallyInside
          ? `${where}: path leads through a symbolic link to outside its scope`
          : policy
          ? `${where}: path is not allowed by the app's fs scope`
          : `${where}: path is outside every file scope`,
        "outside",
      );
    }
    let innermost = -1;
    roots.forEach((root, i) => {
      if (within(root, real) && (innermost < 0 || root.length > roots[innermost].length)) innermost = i;
    });
    const scope = this.#scopes[innermost];
    if (intent !== "read" && intent !== "link" && !scope.write) {
      throw new FsError(`${where}: scope ${quote(scope.name)} is read-only`, "read-only");
    }
    return { scope, real };
  }

  /** The root of the first glob matching the real path `real`, or null. A glob is tried on the path as
   * it stands and with its root's real path in place of the root as written (as Tauri canonicalises a
   * pattern's folder), so "$HOME/**" holds files of a home reached through a symlink. */
  async #matches(patterns: PathPattern[], real: string): Promise<string | null> {
    for (const pattern of patterns) {
      if (pattern.test(real)) return pattern.root;
      const root = await this.#realRoot(pattern.root).catch(() => null);
      if (root && root !== pattern.root && within(root, real)) {
        if (pattern.test(pattern.root + real.slice(root.length))) return pattern.root;
      }
    }
    return null;
  }

  #realRoot(path: string): Promise<string> {
    let root = this.#realRoots.get(path);
    if (!root) {
      root = resolveReal(path);
      this.#realRoots.set(path, root);
      root.catch(() => this.#realRoots.delete(path)); // a transient failure is retried next time
    }
    return root;
  }

  /** Scope roots are made on first write; only the root, the folders below it are the caller's to make. */
  async #createRoot(scope: FsScope): Promise<void> {
    await Deno.mkdir(await this.#realRoot(scope.root), { recursive: true });
  }

  async #read(where: string, path: string, base: string | undefined, limit?: number): Promise<Uint8Array> {
    const max = limit ?? Number.MAX_SAFE_INTEGER;
    for (let attempt = 1;; attempt++) {
      const { real } = await this.#target(where, path, base, "read");
      // Only regular files are opened: opening a FIFO would block, a device could be endless.
      const info = await Deno.stat(real);
      if (info.isDirectory) throw new FsError(`${where}: is a directory`, "invalid");
      if (!info.isFile) throw new FsError(`${where}: is not a regular file`, "invalid");
      if (info.size > max) throw tooLarge(where, info.size, max);
      const file = await Deno.open(real, { read: true });
      try {
        const opened = await file.stat();
        // Checked before reading (no point reading the wrong file) and after: a swap and swap back timed to
        // fool one check must then be repeated, just as luckily, for the second.
        if (isAt(opened, real)) {
          const bytes = await readAll(file, max, opened.size);
          if (bytes === null) throw tooLarge(where, null, max);
          if (isAt(opened, real)) return bytes;
        }
      } finally {
        file.close();
      }
      if (attempt === OPEN_ATTEMPTS) throw changed(where);
    }
  }

  /** Appending to, or writing over, an existing file in place (no temp file): Tauri's append/create:false. */
  async #writeInPlace(
    where: string,
    path: string,
    base: string | undefined,
    bytes: Uint8Array,
    options: WriteOptions,
  ): Promise<void> {
    const file = await this.open(path, {
      write: true,
      append: options.append,
      truncate: !options.append,
      create: options.create ?? true,
      createNew: options.createNew,
      mode: options.mode,
    }, base).catch((error) => {
      throw error instanceof FsError
        ? new FsError(error.message.replace(/^open/, "writeFile"), error.code)
        : error;
    });
    try {
      for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
      await file.sync();
    } catch (error) {
      throw osError(where, error);
    } finally {
      file.close();
    }
  }

  /**
   * Atomic replace: a temp file in the same folder (random name, O_EXCL), written, fsynced, renamed over the
   * target, then the folder fsynced so the rename itself survives a crash. A kill at any moment leaves the
   * old file or the new one; the temp file is removed on failure, or by the next process writing there.
   */
  async #write(where: string, path: string, base: string | undefined, bytes: Uint8Array): Promise<void> {
    const { scope, real } = await this.#target(where, path, base, "write");
    await this.#createRoot(scope);
    const folder = dirname(real);
    await this.#sweep(folder);
    let old: Deno.FileInfo | null = null;
    try {
      old = await Deno.stat(real);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    if (old?.isDirectory) throw new FsError(`${where}: is a directory`, "invalid");
    // The target's name, cut by code points to keep the temp name within the usual 255-byte limit.
    const name = Array.from(basename(real)).slice(0, 48).join("");
    const temp = join(folder, `.${name}.${randomHex()}${TEMP_SUFFIX}`);
    let file: Deno.FsFile;
    try {
      // Keeps a replaced file's permission bits (less the umask).
      file = await Deno.open(temp, {
        write: true,
        createNew: true,
        mode: old?.mode ? old.mode & 0o777 : undefined,
      });
    } catch (error) {
      if (isMissing(error)) {
        throw new FsError(`${where}: its folder does not exist`, "not-found", { cause: error });
      }
      throw error;
    }
    let renamed = false;
    try {
      // Held until closed or the process dies, so the next writer can tell a live temp file from a dead one.
      await file.lock(true);
      if (!isAt(await file.stat(), temp)) throw changed(where);
      for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
      await file.sync();
      if (!isAt(await file.stat(), temp)) throw changed(where);
      try {
        await Deno.rename(temp, real);
      } catch (error) {
        // The temp file was just proven to be there: missing now means the folder was swapped meanwhile.
        throw isMissing(error) ? changed(where) : error;
      }
      renamed = true;
    } finally {
      file.close();
      if (!renamed) await Deno.remove(temp).catch(() => {});
    }
    await syncFolder(folder);
  }

  /** Removes temp files left in a folder by writers that died; a live writer holds its temp file's lock. */
  #sweep(folder: string): Promise<void> {
    let sweep = this.#sweeps.get(folder);
    if (!sweep) {
      sweep = removeDeadTemps(folder);
      this.#sweeps.set(folder, sweep);
    }
    return sweep;
  }
}

/** Best effort: a folder that cannot be listed, or a temp file that cannot be removed, is left alone. */
async function removeDeadTemps(folder: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (!entry.isFile || !entry.name.startsWith(".") || !entry.name.endsWith(TEMP_SUFFIX)) continue;
      const path = join(folder, entry.name);
      try {
        using file = await Deno.open(path, { read: true });
        if (await file.tryLock(true)) await Deno.remove(path);
      } catch {
        // gone meanwhile, or not ours to remove
      }
    }
  } catch {
    // missing or unreadable folder: the write itself will say what is wrong
  }
}

/** The path with every symlink resolved; for a path not there yet, its deepest existing folder's real path
 * joined with the rest. A dangling symlink on the way is followed to where it points, as a write would. */
async function resolveReal(path: string): Promise<string> {
  const rest: string[] = [];
  let current = path;
  for (let hops = 0;;) {
    try {
      return join(await Deno.realPath(current), ...rest);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    let link = false;
    try {
      link = (await Deno.lstat(current)).isSymlink;
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    const parent = dirname(current);
    if (link) {
      if (++hops > MAX_LINK_HOPS) throw new Deno.errors.FilesystemLoop(`too many symbolic links`);
      // Relative to the link's real folder: ".." in the target then means what the kernel would make of it.
      current = resolve(await Deno.realPath(parent), await Deno.readLink(current));
    } else if (parent === current) {
      return join(current, ...rest);
    } else {
      rest.unshift(basename(current));
      current = parent;
    }
  }
}

/** Whether a file we opened (its stat is `opened`) is the one now at the symlink-free path `real`. */
function isAt(opened: Deno.FileInfo, real: string): boolean {
  // Without inode numbers (some platforms) only the re-resolved path is left to compare.
  const same = () => {
    const now = Deno.lstatSync(real);
    return opened.ino === null ? now.isFile === opened.isFile : sameFile(now, opened);
  };
  try {
    // Synchronous and back to back, so a swap has microseconds to land between them, not an event-loop turn;
    // the inode is compared on both sides of realPath, which checks one path component at a time.
    // realPath, not resolveReal: the file must be there; a folder missing on the way does not pass.
    return same() && Deno.realPathSync(real) === real && same();
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

function sameFile(a: Deno.FileInfo, b: Deno.FileInfo): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Refuses a path that no longer resolves to itself: a symlink was swapped in since the check. */
async function stillAt(where: string, real: string): Promise<void> {
  if (await resolveReal(real) !== real) throw changed(where);
}

const tooLarge = (where: string, size: number | null, limit: number) =>
  new FsError(
    `${where}: the file is too large to send to the page (${size === null ? "more than " : ""}${
      size ?? limit
    } bytes, limit ${limit})`,
    "invalid",
  );

const changed = (where: string) =>
  new FsError(`${where}: path changed while in use (a symbolic link swapped in?)`, "outside");

/** Reads to the end, or null once more than `limit` bytes came (the file grew past it meanwhile). The
 * buffer is fixed (up to 1 MiB, never more than limit + 1 in all), whatever the file's size said. */
async function readAll(file: Deno.FsFile, limit: number, size: number): Promise<Uint8Array | null> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const room = limit + 1 - total;
    const chunk = new Uint8Array(Math.min(room, Math.max(size - total + 1, 64 * 1024), 1 << 20));
    const n = await file.read(chunk);
    if (n === null) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > limit) return null;
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

async function syncFolder(folder: string): Promise<void> {
  if (Deno.build.os === "windows") return; // directories cannot be opened there; NTFS journals the rename
  using handle = await Deno.open(folder, { read: true });
  await handle.sync();
}

function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function recursive(where: string, options: unknown): boolean {
  if (options === undefined || options === null) return false;
  if (typeof options !== "object") throw new FsError(`${where}: options must be an object`, "invalid");
  const { recursive } = options as RecursiveOption;
  if (recursive !== undefined && typeof recursive !== "boolean") {
    throw new FsError(`${where}: options.recursive must be a boolean`, "invalid");
  }
  return recursive === true;
}

function isMissing(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory;
}

const OS_ERRORS: Record<string, [string, FsErrorCode]> = {
  ENOENT: ["not found", "not-found"],
  EEXIST: ["already exists", "exists"],
  EISDIR: ["is a directory", "invalid"],
  ENOTDIR: ["a part of the path is not a directory", "not-found"],
  ENOTEMPTY: ["directory is not empty", "invalid"],
  EACCES: ["permission denied by the operating system", "io"],
  EPERM: ["not permitted by the operating system", "io"],
  ELOOP: ["too many levels of symbolic links", "io"],
  ENAMETOOLONG: ["resolved path is too long", "invalid"],
  ENOSPC: ["no space left on the device", "io"],
  EROFS: ["the file system is read-only", "io"],
};

/** An OS error without its own message, which names the resolved path. */
function osError(where: string, error: unknown): FsError {
  const code = (error as { code?: string }).code;
  const known = code ? OS_ERRORS[code] : undefined;
  if (known) return new FsError(`${where}: ${known[0]}`, known[1], { cause: error });
  if (error instanceof Deno.errors.NotFound) {
    return new FsError(`${where}: not found`, "not-found", { cause: error });
  }
  if (error instanceof Deno.errors.FilesystemLoop) {
    return new FsError(`${where}: too many levels of symbolic links`, "io", { cause: error });
  }
  if (error instanceof Deno.errors.NotCapable) {
    return new FsError(`${where}: this process lacks the Deno permission`, "io", { cause: error });
  }
  const name = error instanceof Error ? error.name : "unknown error";
  return new FsError(`${where}: failed (${code ?? name})`, "io", { cause: error });
}

function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? text.slice(0, 200) + "…" : text);
}

function kind(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function ms(date: Date | null): number | null {
  return date ? date.getTime() : null;
}

/** Tauri's FileInfo of a Deno stat. */
export function fileStat(info: Deno.FileInfo): FileStat {
  return {
    size: info.size,
    isFile: info.isFile,
    isDirectory: info.isDirectory,
    isSymlink: info.isSymlink,
    mtime: ms(info.mtime),
    atime: ms(info.atime),
    birthtime: ms(info.birthtime),
    readonly: info.mode !== null ? (info.mode & 0o222) === 0 : false,
    fileAttributes: null,
    dev: info.dev,
    ino: info.ino,
    mode: info.mode,
    nlink: info.nlink,
    uid: info.uid,
    gid: info.gid,
    rdev: info.rdev,
    blksize: info.blksize,
    blocks: info.blocks,
  };
}

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
