// The scoped filesystem: what a page may read and write, confined to the folders the app configured.
// Paths come from a hostile-by-assumption page, so each one is normalised and its symlinks are resolved
// before it is checked against the scopes; writes are atomic (temp file, fsync, rename); errors name the path
// as the page gave it, never the resolved one (that would tell the page where the user's files live).
import { basename, dirname, isAbsolute, join, posix, resolve, sep, win32 } from "node:path";
import type { FsCapabilityScope, PathPattern } from "./fs/scope.ts";
import {
  type DirEntry,
  type FileHandle,
  type FsBackend,
  isChanged,
  type Location,
  type OpenOptions,
  parentOf,
} from "./fs/backend.ts";
import { isMissing as isMissingPath, pathBackend, resolveReal } from "./fs/path_backend.ts";

export type { DirEntry, FileHandle, FsBackend, Location, OpenOptions } from "./fs/backend.ts";
export { TEMP_SUFFIX } from "./fs/backend.ts";

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

/** Tauri's WriteFileOptions: append, create (default true), createNew, mode. */
export type WriteOptions = Pick<OpenOptions, "append" | "create" | "createNew" | "mode">;

export interface ScopedFsOptions {
  backend?: FsBackend;
}

/** A checked path: the scope that decides what may be done there, and where it is below that scope's real
 * root (`real` is symlink-free but for the last component of a remove, rename or lstat). */
interface Target extends Location {
  scope: FsScope;
}

/**
 * File operations for the page, each confined to the scopes. A call names a path relative to a scope (`base`)
 * or, without a base, an absolute path inside some scope. When scopes nest, the innermost scope containing
 * the resolved path decides whether it may be written, however the path was named.
 *
 * Races (TOCTOU): the check resolves every symlink in user space, but a local process able to write inside a
 * scope could swap a folder for a symlink between the check and the use. So the use goes through a backend
 * (core/fs/backend.ts) given the checked place as the scope's real root and the path below it. The host's
 * (native/beneath.ts) opens that path with openat2(2) beneath a descriptor of the root, refusing every
 * symlink (the checked path has none) and magic link, and does the I/O on the descriptor: a swap then makes
 * the call fail ("path changed while in use"), never reach outside. The path-based backend
 * (core/fs/path_backend.ts), the default here and the fallback without openat2, re-checks the path around
 * each use instead and leaves small windows (described there). The page cannot mount any of this by itself:
 * nothing here creates a symlink or renames a folder.
 */
export class ScopedFs {
  readonly #scopes: FsScope[];
  /** The capability scope of the call (allow/deny globs), or null in legacy mode (config scopes only). */
  readonly #policy: FsCapabilityScope | null;
  readonly #backend: FsBackend;
  /** Each root with its symlinks resolved, fixed at first use so a root swapped later is refused. */
  #realRoots: Map<string, Promise<string>> = new Map();
  /** Folders already swept of dead writers' temp files by this process; writes wait for the sweep. */
  #sweeps: Map<string, Promise<void>> = new Map();

  /** `options.backend`: what does the I/O once a path is checked; by default the process's (see
   * setDefaultFsBackend: the path-based one unless the host installed the kernel-confined one). */
  constructor(scopes: FsScope[], policy: FsCapabilityScope | null = null, options: ScopedFsOptions = {}) {
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
    this.#backend = options.backend ?? defaultBackend;
  }

  /** Which backend does the I/O: "openat2" (kernel-confined) or "path". */
  get backend(): string {
    return this.#backend.name;
  }

  /** The same scopes, with a call's capability scope added: a path is then allowed when a config scope
   * holds it or an allow glob matches it, and refused whenever a deny glob matches it (deny wins). */
  withPolicy(policy: FsCapabilityScope | null): ScopedFs {
    const copy = new ScopedFs(this.#scopes, policy, { backend: this.#backend });
    copy.#realRoots = this.#realRoots;
    copy.#sweeps = this.#sweeps;
    return copy;
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
      const at = await this.#target(where, path, base, "read");
      const entries = await this.#backend.readDir(at);
      return entries.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    });
  }

  mkdir(path: string, options?: RecursiveOption, base?: string): Promise<void> {
    return this.#run("mkdir", path, base, async (where) => {
      const at = await this.#target(where, path, base, "write");
      await this.#createRoot(at.scope);
      await this.#backend.mkdir(at, recursive(where, options));
    });
  }

  remove(path: string, options?: RecursiveOption, base?: string): Promise<void> {
    return this.#run("remove", path, base, async (where) => {
      const at = await this.#target(where, path, base, "remove");
      await this.#backend.remove(at, recursive(where, options));
    });
  }

  stat(path: string, base?: string): Promise<FileStat> {
    return this.#run("stat", path, base, async (where) => {
      return fileStat(await this.#backend.stat(await this.#target(where, path, base, "read"), true));
    });
  }

  /** The path itself: a symlink's own metadata (the link must be in scope, where it points need not be). */
  lstat(path: string, base?: string): Promise<FileStat> {
    return this.#run("lstat", path, base, async (where) => {
      return fileStat(await this.#backend.stat(await this.#target(where, path, base, "link"), false));
    });
  }

  exists(path: string, base?: string): Promise<boolean> {
    return this.#run("exists", path, base, async (where) => {
      const at = await this.#target(where, path, base, "read");
      try {
        await this.#backend.stat(at, true);
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
      return true;
    });
  }

  /** Moves a file or folder; both ends must be writable. Symlinks at either end are not followed. */
  rename(from: string, to: string, fromBase?: string, toBase?: string): Promise<void> {
    return this.#run("rename", from, fromBase, async (where) => {
      const source = await this.#target(where, from, fromBase, "remove");
      const target = await this.#run("rename", to, toBase, (w) => this.#target(w, to, toBase, "remove"));
      await this.#createRoot(target.scope);
      await this.#backend.rename(source, target);
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
      const file = await this.#open(where, path, base, { write: true }, 1);
      try {
        await file.truncate(length);
      } finally {
        file.close();
      }
    });
  }

  /** Opens a file for a handle (Tauri's open/create): the caller owns the returned file and closes it. */
  open(path: string, options: OpenOptions, base?: string): Promise<FileHandle> {
    return this.#run("open", path, base, (where) => this.#open(where, path, base, options, OPEN_ATTEMPTS));
  }

  /** A regular file opened through the backend, retried while it keeps changing under us (an atomic rewrite
   * by another writer can replace it between our check and our open; a swapped-in symlink keeps failing). */
  async #open(
    where: string,
    path: string,
    base: string | undefined,
    options: OpenOptions,
    attempts: number,
  ): Promise<FileHandle> {
    const writes = !!(options.write || options.append || options.truncate || options.create ||
      options.createNew);
    for (let attempt = 1;; attempt++) {
      const at = await this.#target(where, path, base, writes ? "write" : "read");
      if (writes) await this.#createRoot(at.scope);
      let file: FileHandle;
      try {
        file = await this.#backend.openFile(at, options);
      } catch (error) {
        if (isChanged(error) && attempt < attempts) continue;
        throw error;
      }
      let info: Deno.FileInfo;
      try {
        info = await file.stat();
      } catch (error) {
        file.close();
        throw error;
      }
      if (!info.isFile) {
        file.close();
        throw new FsError(`${where}: is not a regular file`, "invalid");
      }
      return file;
    }
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
        const root = await this.#realRoot(granted);
        return located(where, { name: granted, root, write: true }, root, real);
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
    return located(where, scope, roots[innermost], real);
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
      const at = await this.#target(where, path, base, "read");
      let file: FileHandle | null = null;
      try {
        file = await this.#backend.openFile(at, { read: true });
      } catch (error) {
        if (!(isChanged(error))) throw error;
      }
      if (file) {
        try {
          const opened = await file.stat();
          if (opened.isDirectory) throw new FsError(`${where}: is a directory`, "invalid");
          if (!opened.isFile) throw new FsError(`${where}: is not a regular file`, "invalid");
          if (opened.size > max) throw tooLarge(where, opened.size, max);
          const bytes = await readAll(file, max, opened.size);
          if (bytes === null) throw tooLarge(where, null, max);
          if (await this.#backend.stillAt(file, at)) return bytes;
        } finally {
          file.close();
        }
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
    const at = await this.#target(where, path, base, "write");
    await this.#createRoot(at.scope);
    if (at.path === "") throw new FsError(`${where}: is a directory`, "invalid");
    await this.#sweep(parentOf(at));
    try {
      await this.#backend.writeAtomic(at, bytes);
    } catch (error) {
      if (isMissing(error)) {
        throw new FsError(`${where}: its folder does not exist`, "not-found", { cause: error });
      }
      throw error;
    }
  }

  /** Removes temp files left in a folder by writers that died; a live writer holds its temp file's lock. */
  #sweep(folder: Location): Promise<void> {
    let sweep = this.#sweeps.get(folder.real);
    if (!sweep) {
      sweep = this.#backend.removeDeadTemps(folder);
      this.#sweeps.set(folder.real, sweep);
    }
    return sweep;
  }
}

/** The backend of ScopedFs instances made without one. */
let defaultBackend: FsBackend = pathBackend;

/** Sets the backend of ScopedFs instances made from now on without one: the host installs the
 * kernel-confined one (native/beneath.ts) at start; the path-based one stays where it cannot. */
export function setDefaultFsBackend(backend: FsBackend): void {
  defaultBackend = backend;
}

export function defaultFsBackend(): FsBackend {
  return defaultBackend;
}

/** The target `real` as a place below the real root `root` of the scope deciding it. */
function located(where: string, scope: FsScope, root: string, real: string): Target {
  if (!within(root, real)) throw new FsError(`${where}: path is outside every file scope`, "outside");
  const rest = real.slice(root.length).split(sep).filter((part) => part !== "");
  return { scope, root, path: rest.join("/"), real };
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
async function readAll(file: FileHandle, limit: number, size: number): Promise<Uint8Array | null> {
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
  const code = (error as { code?: unknown } | null)?.code;
  return isMissingPath(error) || code === "ENOENT" || code === "ENOTDIR";
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
  ENOTREG: ["is not a regular file", "invalid"],
  ENOSPC: ["no space left on the device", "io"],
  EROFS: ["the file system is read-only", "io"],
};

/** An OS error without its own message, which names the resolved path. */
function osError(where: string, error: unknown): FsError {
  if (isChanged(error)) return changed(where);
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
