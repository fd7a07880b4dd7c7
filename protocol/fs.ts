// The shapes the core's scoped file system and the kernel-confined backend (native/beneath.ts) share:
// the core checks a path and hands the backend a Location; open options are Tauri's.

/** A place ScopedFs checked: `root` is the real (symlink-free) folder of the scope that allowed it, `path`
 * the rest below it ("" for the root itself; components joined by "/", never "." or ".."), and `real` the
 * two joined, symlink-free when checked. The last component may be a symlink only where the operation acts
 * on the link itself (remove, rename, lstat). */
export interface Location {
  root: string;
  path: string;
  real: string;
}

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
