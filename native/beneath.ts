// The scoped file system's kernel-confined backend (the FsBackend of core/fs/backend.ts, which native/ may not
// import: the shapes it shares come from protocol/fs.ts, the rest is checked where host/fs.ts installs it).
// Every path ScopedFs checked
// is opened with openat2(2) relative to a descriptor of its scope's real root, with RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS: the checked path is symlink-free, so a symlink found on the way
// now was swapped in since the check, and the kernel refuses it (ELOOP) instead of following it; the root's
// own descriptor is opened with RESOLVE_NO_SYMLINKS too. The I/O is then done on descriptors through libc
// (read/write/statx/ftruncate/fsync, and the *at() calls relative to the opened folder: mkdirat, unlinkat,
// renameat, temp files), since Deno cannot wrap a raw descriptor in a Deno.FsFile.
//
// Linux ≥ 5.6 with glibc (openat2 through syscall(2): glibc has no wrapper), x86_64 or aarch64. probeBeneath
// says why not where it cannot run; the host then keeps the path-based backend and says so.

import type { Location, OpenOptions } from "../protocol/fs.ts";

const CHANGED = "ECHANGED";
const TEMP_SUFFIX = ".airlock-tmp";
const SYS_OPENAT2 = 437; // the same on every architecture (the unified syscall table from 424 on)

const ARCH_FLAGS = {
  x86_64: { O_DIRECTORY: 0o200000, O_NOFOLLOW: 0o400000 },
  aarch64: { O_DIRECTORY: 0o40000, O_NOFOLLOW: 0o100000 },
} as const;
const { O_DIRECTORY, O_NOFOLLOW } = ARCH_FLAGS[Deno.build.arch as keyof typeof ARCH_FLAGS] ??
  ARCH_FLAGS.x86_64;
const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400;
const O_TRUNC = 0o1000, O_APPEND = 0o2000, O_NONBLOCK = 0o4000, O_CLOEXEC = 0o2000000, O_PATH = 0o10000000;
const RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08;
const AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
const LOCK_EX = 2, LOCK_NB = 4;
const STATX_BASIC_STATS = 0x7ff, STATX_BTIME = 0x800;
const S_IFMT = 0o170000, S_IFREG = 0o100000, S_IFDIR = 0o040000, S_IFLNK = 0o120000;
const S_IFIFO = 0o010000, S_IFCHR = 0o020000, S_IFBLK = 0o060000, S_IFSOCK = 0o140000;
const DT_UNKNOWN = 0, DT_DIR = 4, DT_REG = 8, DT_LNK = 10;

const ERRNO: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  4: "EINTR",
  5: "EIO",
  6: "ENXIO",
  9: "EBADF",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  16: "EBUSY",
  17: "EEXIST",
  18: "EXDEV",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  23: "ENFILE",
  24: "EMFILE",
  26: "ETXTBSY",
  27: "EFBIG",
  28: "ENOSPC",
  30: "EROFS",
  31: "EMLINK",
  36: "ENAMETOOLONG",
  38: "ENOSYS",
  39: "ENOTEMPTY",
  40: "ELOOP",
  95: "EOPNOTSUPP",
  122: "EDQUOT",
};
const EINTR = 4, EEXIST = 17, EXDEV = 18, EISDIR = 21, EAGAIN = 11, ELOOP = 40, ENOENT = 2;

const SYMBOLS = {
  openat2: { name: "syscall", parameters: ["i64", "i64", "buffer", "buffer", "usize"], result: "i64" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  fsync: { parameters: ["i32"], result: "i32" },
  // On a thread of its own: a disk's flush can take long; its errno stays there (see sync).
  fsync_async: { name: "fsync", parameters: ["i32"], result: "i32", nonblocking: true },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  renameat: { parameters: ["i32", "buffer", "i32", "buffer"], result: "i32" },
  unlinkat: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  mkdirat: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  flock: { parameters: ["i32", "i32"], result: "i32" },
  getdents64: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
let libc: Libc | null = null;
const c = (): Libc => libc ??= Deno.dlopen("libc.so.6", SYMBOLS).symbols;

/** The calling thread's errno, read right after the failed call (nothing runs on this thread in between). */
function errno(): number {
  return new Deno.UnsafePointerView(c().__errno_location()!).getInt32();
}

function fail(op: string, number = errno()): never {
  const code = ERRNO[number] ?? `errno ${number}`;
  throw Object.assign(new Error(`${op}: ${code}`), { code });
}

/** A call returning -1 with errno, retried when a signal interrupted it. */
function check(op: string, call: () => number | bigint): number {
  for (;;) {
    const result = Number(call());
    if (result >= 0) return result;
    const number = errno();
    if (number !== EINTR) fail(op, number);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const cstr = (text: string) => encoder.encode(text + "\0");
const EMPTY = cstr("");

/** openat2(dirfd, path, flags) with the resolve flags given; a symlink or an escape on the way (ELOOP,
 * EXDEV) and a rename racing the lookup (EAGAIN) say the path changed. */
function openat2(dirfd: number, path: string, flags: number, resolve: number, mode = 0): number {
  const how = new BigUint64Array([BigInt(flags | O_CLOEXEC), BigInt(mode), BigInt(resolve)]);
  const name = cstr(path);
  for (;;) {
    const fd = Number(c().openat2(BigInt(SYS_OPENAT2), BigInt(dirfd), name, new Uint8Array(how.buffer), 24n));
    if (fd >= 0) return fd;
    const number = errno();
    if (number === EINTR) continue;
    if (number === ELOOP || number === EXDEV || number === EAGAIN) {
      throw Object.assign(new Error("openat2: path changed"), { code: CHANGED });
    }
    fail("openat2", number);
  }
}

const BENEATH = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

/** `path` ("" for the root) opened beneath the folder `root`, whose own path must be symlink-free. */
function openBeneath(root: string, path: string, flags: number, mode = 0): number {
  const rootFd = openat2(AT_FDCWD, root, O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
  try {
    return openat2(rootFd, path === "" ? "." : path, flags, BENEATH, mode);
  } finally {
    c().close(rootFd);
  }
}

function withFd<T>(fd: number, body: (fd: number) => T): T {
  try {
    return body(fd);
  } finally {
    c().close(fd);
  }
}

function ms(view: DataView, offset: number): number {
  return Number(view.getBigInt64(offset, true)) * 1000 + Math.floor(view.getUint32(offset + 8, true) / 1e6);
}

/** glibc's makedev. */
function makedev(major: number, minor: number): number {
  const dev = ((BigInt(major) & 0xfffff000n) << 32n) | ((BigInt(major) & 0xfffn) << 8n) |
    ((BigInt(minor) & 0xffffff00n) << 12n) | (BigInt(minor) & 0xffn);
  return Number(dev);
}

/** Deno's FileInfo of what `fd` (or `name` in the folder `fd`, not followed) is. */
function statAt(fd: number, name?: string): Deno.FileInfo {
  const buffer = new Uint8Array(256);
  const flags = name === undefined ? AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW;
  const path = name === undefined ? EMPTY : cstr(name);
  check("statx", () => c().statx(fd, path, flags, STATX_BASIC_STATS | STATX_BTIME, buffer));
  const view = new DataView(buffer.buffer);
  const mode = view.getUint16(28, true);
  const type = mode & S_IFMT;
  const time = (offset: number) => new Date(ms(view, offset));
  return {
    isFile: type === S_IFREG,
    isDirectory: type === S_IFDIR,
    isSymlink: type === S_IFLNK,
    size: Number(view.getBigUint64(40, true)),
    atime: time(64),
    birthtime: view.getUint32(0, true) & STATX_BTIME ? time(80) : null,
    ctime: time(96),
    mtime: time(112),
    dev: makedev(view.getUint32(136, true), view.getUint32(140, true)),
    ino: Number(view.getBigUint64(32, true)),
    mode,
    nlink: view.getUint32(16, true),
    uid: view.getUint32(20, true),
    gid: view.getUint32(24, true),
    rdev: makedev(view.getUint32(128, true), view.getUint32(132, true)),
    blksize: view.getUint32(4, true),
    blocks: Number(view.getBigUint64(48, true)),
    isBlockDevice: type === S_IFBLK,
    isCharDevice: type === S_IFCHR,
    isFifo: type === S_IFIFO,
    isSocket: type === S_IFSOCK,
  };
}

interface Entry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

/** The entries of the folder open at `fd` (getdents64), without "." and "..". */
function list(fd: number): Entry[] {
  const buffer = new Uint8Array(32 * 1024);
  const view = new DataView(buffer.buffer);
  const entries: Entry[] = [];
  for (;;) {
    const n = check("getdents64", () => c().getdents64(fd, buffer, BigInt(buffer.length)));
    if (n === 0) return entries;
    for (let offset = 0; offset < n;) {
      const length = view.getUint16(offset + 16, true);
      let type = view.getUint8(offset + 18);
      const start = offset + 19;
      const name = decoder.decode(buffer.subarray(start, buffer.indexOf(0, start)));
      offset += length;
      if (name === "." || name === "..") continue;
      if (type === DT_UNKNOWN) {
        try {
          const info = statAt(fd, name);
          type = info.isDirectory ? DT_DIR : info.isSymlink ? DT_LNK : info.isFile ? DT_REG : DT_UNKNOWN;
        } catch {
          continue; // gone meanwhile
        }
      }
      entries.push({
        name,
        isFile: type === DT_REG,
        isDirectory: type === DT_DIR,
        isSymlink: type === DT_LNK,
      });
    }
  }
}

/** An open file: Deno.FsFile's methods, on a descriptor. */
export class BeneathFile {
  #fd: number;

  constructor(fd: number) {
    this.#fd = fd;
  }

  get #live(): number {
    if (this.#fd < 0) throw Object.assign(new Error("the file is closed"), { code: "EBADF" });
    return this.#fd;
  }

  read(buffer: Uint8Array): Promise<number | null> {
    const fd = this.#live;
    if (buffer.length === 0) return Promise.resolve(0);
    const n = check("read", () => c().read(fd, buffer, BigInt(buffer.length)));
    return Promise.resolve(n === 0 ? null : n);
  }

  write(buffer: Uint8Array): Promise<number> {
    const fd = this.#live;
    return Promise.resolve(check("write", () => c().write(fd, buffer, BigInt(buffer.length))));
  }

  seek(offset: number, whence: Deno.SeekMode): Promise<number> {
    const fd = this.#live;
    return Promise.resolve(check("lseek", () => c().lseek(fd, BigInt(offset), whence)));
  }

  stat(): Promise<Deno.FileInfo> {
    return Promise.resolve(statAt(this.#live));
  }

  truncate(length = 0): Promise<void> {
    const fd = this.#live;
    check("ftruncate", () => c().ftruncate(fd, BigInt(length)));
    return Promise.resolve();
  }

  async sync(): Promise<void> {
    // errno is the worker thread's: a failed flush is reported as EIO, what it nearly always is.
    if (await c().fsync_async(this.#live) !== 0) fail("fsync", 5);
  }

  /** flock(2), as Deno.FsFile.lock: the temp files' "a live writer holds this" mark. */
  lock(): void {
    const fd = this.#live;
    check("flock", () => c().flock(fd, LOCK_EX));
  }

  close(): void {
    const fd = this.#live;
    this.#fd = -1;
    c().close(fd);
  }

  [Symbol.dispose](): void {
    if (this.#fd >= 0) this.close();
  }
}

const invalid = (why: string) => Object.assign(new Error(why), { code: "EINVAL" });

/** open(2) flags for Deno's (Rust's) OpenOptions, refusing the same combinations. */
function openFlags(options: OpenOptions): number {
  const { read = false, write = false, append = false, truncate = false, create = false } = options;
  const createNew = options.createNew ?? false;
  if (!write && !append && (truncate || create || createNew)) throw invalid("creating needs write access");
  if (append && truncate && !createNew) throw invalid("truncate and append exclude each other");
  const access = append
    ? (read ? O_RDWR : O_WRONLY) | O_APPEND
    : read && write
    ? O_RDWR
    : write
    ? O_WRONLY
    : read
    ? O_RDONLY
    : null;
  if (access === null) throw invalid("neither read nor write access");
  const creation = createNew ? O_CREAT | O_EXCL : (create ? O_CREAT : 0) | (truncate ? O_TRUNC : 0);
  return access | creation;
}

const parent = (at: Location) => at.path.includes("/") ? at.path.slice(0, at.path.lastIndexOf("/")) : "";
const last = (at: Location) => at.path.slice(at.path.lastIndexOf("/") + 1);

/** The folder holding `at`, opened beneath its root (O_PATH unless it is to be listed or fsynced). */
function openParent(at: Location, readable = false): number {
  if (at.path === "") throw Object.assign(new Error("the root of a scope"), { code: "EBUSY" });
  return openBeneath(at.root, parent(at), (readable ? O_RDONLY : O_PATH) | O_DIRECTORY);
}

function mkdirAt(fd: number, name: string): boolean {
  const result = c().mkdirat(fd, cstr(name), 0o777);
  if (result === 0) return true;
  const number = errno();
  if (number === EEXIST) return false;
  if (number === EINTR) return mkdirAt(fd, name);
  fail("mkdirat", number);
}

/** Removes `name` in the folder `dirFd`: a folder with everything in it, anything else (a symlink
 * included) itself. Each folder is opened O_NOFOLLOW before its entries are removed relative to it. */
function removeTree(dirFd: number, name: string): void {
  let fd: number;
  try {
    fd = openat2(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, BENEATH);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Not a folder (any more): a symlink swapped in is removed itself, never followed.
    if (code === CHANGED || code === "ENOTDIR") return unlinkEntry(dirFd, name);
    throw error;
  }
  withFd(fd, () => {
    for (const entry of list(fd)) {
      if (entry.isDirectory) removeTree(fd, entry.name);
      else unlinkEntry(fd, entry.name);
    }
  });
  const result = c().unlinkat(dirFd, cstr(name), AT_REMOVEDIR);
  if (result !== 0 && errno() !== ENOENT) fail("unlinkat");
}

function unlinkEntry(dirFd: number, name: string): void {
  if (c().unlinkat(dirFd, cstr(name), 0) === 0) return;
  const number = errno();
  if (number === ENOENT) return;
  if (number === EISDIR) return removeTree(dirFd, name);
  fail("unlinkat", number);
}

function tempName(name: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `.${Array.from(name).slice(0, 48).join("")}.${hex}${TEMP_SUFFIX}`;
}

/** The backend (core/fs/backend.ts's FsBackend). Synchronous calls but for fsync: local files, small
 * reads and writes (the callers cap them), as the event loop can afford. */
export const beneathBackend = {
  name: "openat2",

  openFile(at: Location, options: OpenOptions): Promise<BeneathFile> {
    // O_NONBLOCK: a FIFO opens at once (and is then refused as not a regular file); regular files
    // ignore it.
    const flags = openFlags(options) | O_NONBLOCK | O_NOCTTY;
    const mode = flags & O_CREAT ? options.mode ?? 0o666 : 0;
    return Promise.resolve(new BeneathFile(openBeneath(at.root, at.path, flags, mode)));
  },

  stillAt(): Promise<boolean> {
    return Promise.resolve(true); // what was opened is what was checked
  },

  stat(at: Location, follow: boolean): Promise<Deno.FileInfo> {
    const fd = openBeneath(at.root, at.path, O_PATH | (follow ? 0 : O_NOFOLLOW));
    return Promise.resolve(withFd(fd, () => statAt(fd)));
  },

  readDir(at: Location): Promise<Entry[]> {
    const fd = openBeneath(at.root, at.path, O_RDONLY | O_DIRECTORY);
    return Promise.resolve(withFd(fd, () => list(fd)));
  },

  mkdir(at: Location, recursive: boolean): Promise<void> {
    if (at.path === "") {
      if (!recursive) fail("mkdirat", EEXIST);
      return Promise.resolve();
    }
    if (!recursive) {
      const fd = openParent(at);
      withFd(fd, () => mkdirAt(fd, last(at)) || fail("mkdirat", EEXIST));
      return Promise.resolve();
    }
    let fd = openBeneath(at.root, "", O_PATH | O_DIRECTORY);
    try {
      for (const part of at.path === "" ? [] : at.path.split("/")) {
        const made = mkdirAt(fd, part);
        let next: number;
        try {
          next = openat2(fd, part, O_PATH | O_DIRECTORY, BENEATH);
        } catch (error) {
          // As Deno's: a file where a folder should be is "already exists".
          if (!made && (error as { code?: string }).code === "ENOTDIR") fail("mkdirat", EEXIST);
          throw error;
        }
        c().close(fd);
        fd = next;
      }
    } finally {
      c().close(fd);
    }
    return Promise.resolve();
  },

  remove(at: Location, recursive: boolean): Promise<void> {
    const fd = openParent(at);
    withFd(fd, () => {
      const name = last(at);
      if (!statAt(fd, name).isDirectory) return unlinkOne(fd, name);
      if (recursive) return removeTree(fd, name);
      check("unlinkat", () => c().unlinkat(fd, cstr(name), AT_REMOVEDIR));
    });
    return Promise.resolve();
  },

  rename(from: Location, to: Location): Promise<void> {
    const source = openParent(from);
    withFd(source, () => {
      const target = openParent(to);
      withFd(target, () => {
        check("renameat", () => c().renameat(source, cstr(last(from)), target, cstr(last(to))));
      });
    });
    return Promise.resolve();
  },

  async writeAtomic(at: Location, bytes: Uint8Array): Promise<void> {
    const dir = openParent(at, true);
    try {
      const name = last(at);
      let old: Deno.FileInfo | null = null;
      try {
        old = statAt(dir, name);
      } catch (error) {
        if ((error as { code?: string }).code !== "ENOENT") throw error;
      }
      // The checked path ends in no symlink: one there now was swapped in.
      if (old?.isSymlink) throw Object.assign(new Error("path changed"), { code: CHANGED });
      if (old?.isDirectory) fail("open", EISDIR);
      const temp = tempName(name);
      // Keeps a replaced file's permission bits (less the umask).
      const mode = old ? old.mode! & 0o777 : 0o666;
      const file = new BeneathFile(
        openat2(dir, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, BENEATH, mode),
      );
      let renamed = false;
      try {
        // Held until closed or the process dies, so the next writer can tell a live temp file from a dead one.
        file.lock();
        for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
        await file.sync();
        check("renameat", () => c().renameat(dir, cstr(temp), dir, cstr(name)));
        renamed = true;
      } finally {
        file.close();
        if (!renamed) c().unlinkat(dir, cstr(temp), 0);
      }
      if (await c().fsync_async(dir) !== 0) fail("fsync", 5);
    } finally {
      c().close(dir);
    }
  },

  removeDeadTemps(at: Location): Promise<void> {
    try {
      const dir = openBeneath(at.root, at.path, O_RDONLY | O_DIRECTORY);
      withFd(dir, () => {
        for (const entry of list(dir)) {
          if (!entry.isFile || !entry.name.startsWith(".") || !entry.name.endsWith(TEMP_SUFFIX)) continue;
          try {
            const fd = openat2(dir, entry.name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW, BENEATH);
            withFd(fd, () => {
              if (c().flock(fd, LOCK_EX | LOCK_NB) === 0) c().unlinkat(dir, cstr(entry.name), 0);
            });
          } catch {
            // gone meanwhile, or not ours to remove
          }
        }
      });
    } catch {
      // missing or unreadable folder: the write itself will say what is wrong
    }
    return Promise.resolve();
  },
};

function unlinkOne(dirFd: number, name: string): void {
  check("unlinkat", () => c().unlinkat(dirFd, cstr(name), 0));
}

/** Why the backend cannot run here, or null when it can (openat2 answered). */
export function probeBeneath(): string | null {
  if (Deno.build.os !== "linux") return `openat2(2) is Linux's (this is ${Deno.build.os})`;
  if (!(Deno.build.arch in ARCH_FLAGS)) return `no open(2) flags known for ${Deno.build.arch}`;
  try {
    c();
  } catch (error) {
    return `libc.so.6 could not be loaded (${(error as Error).message})`;
  }
  try {
    c().close(openat2(AT_FDCWD, "/", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS));
    return null;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOSYS") return "openat2(2) is not in this kernel (ENOSYS: Linux older than 5.6)";
    if (code === "EPERM") return "openat2(2) is refused here (EPERM: a seccomp filter?)";
    return `openat2(2) failed (${code})`;
  }
}
