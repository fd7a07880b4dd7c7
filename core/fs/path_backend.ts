// The path-based backend: plain Deno calls on the checked path, re-checked around each use. The fallback
// where the kernel-confined one (native/beneath.ts) is not available: core-only use (tests, tools), kernels
// older than Linux 5.6, other platforms.
//
// Deno offers no openat or O_NOFOLLOW (and /proc/self/fd, which would name an open file, needs --allow-all),
// so the use is checked again after the fact: a file is opened, then before and after it is read must still
// resolve to the checked path with no symlink on the way and be the same inode; a temp file must be in the
// checked folder before its data is written and again just before the rename, whose source is a random name
// only that folder holds. mkdir, remove, readDir and stat act on paths, re-checked just before (readDir and
// stat also after) the call. This stops a symlink swapped in and left there, or swapped in for the open and
// straight back (the "race: ..." tests of tests/fs_test.ts). What remains, against a process that keeps
// swapping back and forth as fast as it can (tests/fs/race.ts and tests/fs_beneath_test.ts measure it): a
// read can, rarely, get through to the outside file when the swaps fall just so around both re-checks; a
// swap landing inside the rename itself (the kernel looks up source and target folders separately) can move
// the new file outside; a mkdir or remove can be redirected within its small window; an empty temp file can
// be left outside.
import { basename, dirname, join, resolve } from "node:path";
import { type DirEntry, type FsBackend, isTempName, PathChanged, tempName } from "./backend.ts";

const MAX_LINK_HOPS = 40;

export const pathBackend: FsBackend = {
  name: "path",

  async openFile(at, options) {
    const { real } = at;
    // A file made in a folder swapped meanwhile would be made outside; one opened is checked after (isAt).
    if (options.create || options.createNew) await stillAt(dirname(real));
    // Only regular files and folders are opened: opening a FIFO would block, a device could be endless.
    let info: Deno.FileInfo | null = null;
    try {
      info = await Deno.stat(real);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    if (info && !info.isFile && !info.isDirectory) {
      throw Object.assign(new Error("not a regular file"), { code: "ENOTREG" });
    }
    const writes = !!(options.write || options.append || options.truncate || options.create ||
      options.createNew);
    const file = await Deno.open(real, {
      read: options.read ?? !writes,
      write: options.write,
      append: options.append,
      truncate: options.truncate,
      create: options.create,
      createNew: options.createNew,
      mode: options.mode,
    });
    try {
      // Checked before reading (no point reading the wrong file) and after (stillAt): a swap and swap back
      // timed to fool one check must then be repeated, just as luckily, for the second.
      if (isAt(await file.stat(), real)) return file;
    } catch (error) {
      file.close();
      throw error;
    }
    file.close();
    throw new PathChanged();
  },

  async stillAt(file, at) {
    return isAt(await file.stat(), at.real);
  },

  async stat({ real }, follow) {
    if (!follow) {
      await stillAt(dirname(real));
      return await Deno.lstat(real);
    }
    const info = await Deno.stat(real);
    await stillAt(real);
    return info;
  },

  async readDir({ real }) {
    const entries: DirEntry[] = [];
    for await (const { name, isFile, isDirectory, isSymlink } of Deno.readDir(real)) {
      entries.push({ name, isFile, isDirectory, isSymlink });
    }
    await stillAt(real);
    return entries;
  },

  async mkdir({ real }, recursive) {
    await stillAt(dirname(real));
    await Deno.mkdir(real, { recursive });
    await stillAt(real);
  },

  async remove({ real }, recursive) {
    await stillAt(dirname(real));
    await Deno.remove(real, { recursive });
  },

  async rename(from, to) {
    await stillAt(dirname(from.real));
    await stillAt(dirname(to.real));
    await Deno.rename(from.real, to.real);
  },

  async writeAtomic({ real }, bytes) {
    const folder = dirname(real);
    let old: Deno.FileInfo | null = null;
    try {
      old = await Deno.stat(real);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
    if (old?.isDirectory) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    const temp = join(folder, tempName(basename(real)));
    // Keeps a replaced file's permission bits (less the umask).
    const file = await Deno.open(temp, {
      write: true,
      createNew: true,
      mode: old?.mode ? old.mode & 0o777 : undefined,
    });
    let renamed = false;
    try {
      // Held until closed or the process dies, so the next writer can tell a live temp file from a dead one.
      await file.lock(true);
      if (!isAt(await file.stat(), temp)) throw new PathChanged();
      for (let written = 0; written < bytes.length;) written += await file.write(bytes.subarray(written));
      await file.sync();
      if (!isAt(await file.stat(), temp)) throw new PathChanged();
      try {
        await Deno.rename(temp, real);
      } catch (error) {
        // The temp file was just proven to be there: missing now means the folder was swapped meanwhile.
        throw isMissing(error) ? new PathChanged() : error;
      }
      renamed = true;
    } finally {
      file.close();
      if (!renamed) await Deno.remove(temp).catch(() => {});
    }
    await syncFolder(folder);
  },

  async removeDeadTemps({ real: folder }) {
    try {
      for await (const entry of Deno.readDir(folder)) {
        if (!entry.isFile || !isTempName(entry.name)) continue;
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
  },
};

/** The path with every symlink resolved; for a path not there yet, its deepest existing folder's real path
 * joined with the rest. A dangling symlink on the way is followed to where it points, as a write would. */
export async function resolveReal(path: string): Promise<string> {
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
async function stillAt(real: string): Promise<void> {
  if (await resolveReal(real) !== real) throw new PathChanged();
}

async function syncFolder(folder: string): Promise<void> {
  if (Deno.build.os === "windows") return; // directories cannot be opened there; NTFS journals the rename
  using handle = await Deno.open(folder, { read: true });
  await handle.sync();
}

export function isMissing(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory;
}
