// What ScopedFs needs of the file system once it has checked a path: open, stat, list, make, remove, rename
// and atomically replace what is at a checked place. Two implementations: the kernel-confined one
// (native/beneath.ts, openat2(2) beneath a descriptor of the scope's root, injected by the host) and the
// path-based one (core/fs/path_backend.ts, plain Deno calls re-checked around each use), the fallback for
// core-only use and for kernels without openat2. See docs/api.md, fs, "Races".
import { dirname } from "node:path";
import type { Location, OpenOptions } from "../../protocol/fs.ts";

export type { Location, OpenOptions };

export interface DirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

/** An open file: what the fs plugin's handles and ScopedFs's reads and writes use (Deno.FsFile is one). */
export interface FileHandle {
  /** Bytes read into `buffer`, or null at the end of the file. */
  read(buffer: Uint8Array): Promise<number | null>;
  write(buffer: Uint8Array): Promise<number>;
  seek(offset: number, whence: Deno.SeekMode): Promise<number>;
  stat(): Promise<Deno.FileInfo>;
  truncate(length?: number): Promise<void>;
  sync(): Promise<void>;
  close(): void;
}

export interface FsBackend {
  /** "openat2" (kernel-confined) or "path" (path-based, re-checked). */
  readonly name: string;
  /** Opens what is at `at` (for handles, reads and in-place writes). Never blocks on a FIFO: anything that is
   * neither a regular file nor a folder may be refused with code ENOTREG; the caller checks the kind. */
  openFile(at: Location, options: OpenOptions): Promise<FileHandle>;
  /** After a read: whether `file` (opened at `at`) is still the file at that path. The path backend's second
   * check; the kernel-confined backend opened exactly the checked path and answers true. */
  stillAt(file: FileHandle, at: Location): Promise<boolean>;
  /** The metadata of what is at `at`; `follow: false` for a symlink's own. */
  stat(at: Location, follow: boolean): Promise<Deno.FileInfo>;
  readDir(at: Location): Promise<DirEntry[]>;
  mkdir(at: Location, recursive: boolean): Promise<void>;
  /** Removes a file, a symlink (never what it points to) or a folder (recursive: with its contents). */
  remove(at: Location, recursive: boolean): Promise<void>;
  rename(from: Location, to: Location): Promise<void>;
  /** Atomic replace: a temp file (named by tempName) in the same folder, locked, written, fsynced, renamed
   * over `at`, then the folder fsynced. The temp file is removed on failure. A folder at `at` fails with
   * EISDIR, a missing folder with ENOENT or ENOTDIR. */
  writeAtomic(at: Location, bytes: Uint8Array): Promise<void>;
  /** Best effort: removes temp files that writers which died left in the folder `at` (a live writer holds
   * its temp file's lock). */
  removeDeadTemps(at: Location): Promise<void>;
}

/** Temp files of atomic writes end with this; a killed writer's leftovers are recognised by it. */
export const TEMP_SUFFIX = ".airlock-tmp";

/** The code of errors saying the path no longer leads where it did when checked (a symlink swapped in, or
 * the path moved): ScopedFs retries reads and opens, then answers "path changed while in use". */
export const CHANGED = "ECHANGED";

export class PathChanged extends Error {
  override name = "PathChanged";
  readonly code = CHANGED;
}

/** Whether `error` says the path changed (a PathChanged, or any error with its code: native/ cannot
 * import this module, so its backend throws plain errors carrying the code). */
export const isChanged = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === CHANGED;

/** An error with an errno name as its code, as Deno's own errors carry one. */
export function codedError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

/** A temp file's name for a target named `name`: hidden, random, and within the usual 255-byte limit. */
export function tempName(name: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  // The target's name, cut by code points to keep the temp name within the usual 255-byte limit.
  return `.${Array.from(name).slice(0, 48).join("")}.${hex}${TEMP_SUFFIX}`;
}

export const isTempName = (name: string): boolean => name.startsWith(".") && name.endsWith(TEMP_SUFFIX);

/** The folder holding `at` (the caller never asks for the root's). */
export function parentOf(at: Location): Location {
  const cut = at.path.lastIndexOf("/");
  return { root: at.root, path: cut < 0 ? "" : at.path.slice(0, cut), real: dirname(at.real) };
}

/** The last component of `at`'s path. */
export const nameOf = (at: Location): string => at.path.slice(at.path.lastIndexOf("/") + 1);
