// Which backend the scoped file system uses in an app: the kernel-confined one (native/beneath.ts: openat2
// beneath each scope's root) where the kernel has openat2, else the path-based one, said once at start.
import { type FsBackend, setDefaultFsBackend } from "../core/fs.ts";
import { pathBackend } from "../core/fs/path_backend.ts";
import { beneathBackend, probeBeneath } from "../native/beneath.ts";

/** The kernel-confined backend if `probe` finds no reason against it; else the path-based one, and a line
 * saying why. */
export function chooseFsBackend(
  probe: () => string | null = probeBeneath,
  log: (line: string) => void = console.error,
): FsBackend {
  const why = probe();
  if (why === null) return beneathBackend;
  log(
    `airlock: fs: ${why}; file scopes fall back to path checks, which a local process swapping folders ` +
      `for symlinks may slip past (docs/api.md, fs, "Races")`,
  );
  return pathBackend;
}

let chosen: string | null = null;

/** Installs the chosen backend as the default of every ScopedFs made from now on, once per process.
 * Returns its name ("openat2" or "path"). */
export function installFsBackend(): string {
  if (chosen === null) {
    const backend = chooseFsBackend();
    setDefaultFsBackend(backend);
    chosen = backend.name;
  }
  return chosen;
}
