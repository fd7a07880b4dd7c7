// The fs plugin ("plugin:fs|…") as the official @tauri-apps/plugin-fs 2.x calls it — `{ path, options:
// { baseDir } }` with BaseDirectory numbers, writes as raw bytes with the path and options in the invoke
// headers, file handles as resources — and as Airlock's own window.airlock.fs calls it (`{ path, baseDir,
// recursive, contents }`, baseDir naming a scope of airlock.fs.scopes). Every path goes through ScopedFs:
// the config's scopes, plus (with capabilities) the call's allow/deny globs. Results keep Tauri's shapes
// (read_text_file answers bytes: the package decodes them itself); errors are strings.
import { fileURLToPath } from "node:url";
import { isAbsolute, join } from "node:path";
import type { Scope } from "../permissions.ts";
import type { CommandContext, Commands } from "../router.ts";
import { type FileHandle, fileStat, FsError, type OpenOptions, ScopedFs } from "../fs.ts";
import { FsCapabilityScope } from "../fs/scope.ts";
import type { Resource, Resources } from "../resources.ts";
import { type PathContext, resolveBaseDirectory } from "./path.ts";

export { FS_MANIFEST } from "../fs/permissions.ts";

export interface FsPluginOptions {
  /** The app's config scopes (airlock.fs.scopes). */
  fs: ScopedFs;
  /** The largest file a read may return (the answer must fit a message). */
  maxReadBytes: number;
  /** Where BaseDirectory numbers and $VARIABLES point. */
  paths: PathContext;
  /** The window's resource table (file handles). */
  resources: Resources;
}

/** A path as a command gets it: relative to a config scope (Airlock's baseDir), or absolute. */
interface Where {
  path: string;
  scope?: string;
}

type Args = Record<string, unknown>;

/** An open file handed to the page as a resource id. */
class FileResource implements Resource {
  constructor(readonly file: FileHandle) {}
  close() {
    this.file.close();
  }
}
const isFile = (resource: Resource): resource is FileResource => resource instanceof FileResource;

export function fsCommands(options: FsPluginOptions): Commands {
  const { resources, maxReadBytes } = options;
  const directory = (n: number) => resolveBaseDirectory(n, options.paths);
  // One compiled capability scope per scope object the core hands over (they are built once per grant).
  const compiled = new WeakMap<Scope, FsCapabilityScope>();
  const fsFor = (context: CommandContext): ScopedFs => {
    const scope = context?.scope ?? null;
    if (scope === null) return options.fs;
    let policy = compiled.get(scope);
    if (!policy) {
      policy = new FsCapabilityScope(scope, directory);
      compiled.set(scope, policy);
    }
    return options.fs.withPolicy(policy);
  };

  /** The path argument `key` with its base: Airlock's (args.baseDir, a scope name) or Tauri's
   * (options[baseKey], a BaseDirectory number, joined here; ".." refused as Tauri's SafeFilePath does). */
  const where = (args: Args, key: string, baseKey: string): Where => {
    const raw = args[key];
    if (typeof args.baseDir === "string" && key === "path") {
      return { path: str(raw, key), scope: args.baseDir };
    }
    let path = str(raw, key);
    if (path.startsWith("file:")) {
      try {
        path = fileURLToPath(path);
      } catch {
        throw new Error(
          `${key}: ${JSON.stringify(path.slice(0, 200))} is not a file URL this platform can open`,
        );
      }
    }
    if (path.split(/[/\\]/).includes("..")) {
      throw new Error(`${key}: cannot traverse directory, rewrite the path without the use of \`../\``);
    }
    const base = optionsOf(args)[baseKey];
    if (base === undefined || base === null) return { path };
    if (typeof base !== "number" || !Number.isInteger(base)) {
      throw new Error(`options.${baseKey}: expected a BaseDirectory number, got ${typeof base}`);
    }
    if (isAbsolute(path)) return { path }; // as Rust's Path::join, an absolute path stands for itself
    return { path: join(directory(base), path) };
  };
  const one = (args: Args) => where(args, "path", "baseDir");

  const command = (run: (args: Args, fs: ScopedFs, context: CommandContext) => unknown) =>
  async (
    args: unknown,
    context: CommandContext,
  ) => {
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      throw new Error("args: expected an object");
    }
    try {
      return await run(args as Args, fsFor(context), context);
    } catch (error) {
      throw error instanceof FsError || error instanceof Error ? new Error(error.message) : error;
    }
  };

  const recursiveOf = (args: Args) => bool(args.recursive ?? optionsOf(args).recursive, "recursive");

  const write = (text: boolean) =>
    command(async (args, fs, context) => {
      let target: Where;
      let bytes: Uint8Array;
      let writeOptions: Args = {};
      if (args instanceof Uint8Array) {
        // @tauri-apps/plugin-fs: the contents are the payload, the path and options ride in the headers.
        const header = context.headers?.path;
        if (typeof header !== "string") throw new Error("missing file path in the invoke headers");
        let path: string;
        try {
          path = decodeURIComponent(header);
        } catch {
          throw new Error("the path header is not valid percent-encoding");
        }
        writeOptions = parseOptionsHeader(context.headers.options);
        target = where({ path, options: writeOptions }, "path", "baseDir");
        bytes = args;
      } else if (typeof args.baseDir === "string" || "contents" in args) {
        target = one(args);
        const contents = args.contents ?? args.data;
        if (text && typeof contents === "string") bytes = new TextEncoder().encode(contents);
        else if (contents instanceof Uint8Array) bytes = contents;
        else throw new Error(`args.contents: expected ${text ? "a string" : "bytes (Uint8Array)"}`);
      } else {
        throw new Error("args: expected the file's contents as bytes (with the path in the headers)");
      }
      const flags = {
        append: bool(writeOptions.append, "append"),
        create: writeOptions.create === undefined ? undefined : bool(writeOptions.create, "create"),
        createNew: bool(writeOptions.createNew, "createNew"),
        mode: mode(writeOptions.mode),
      };
      await fs.writeFile(target.path, bytes, target.scope, flags);
      return null;
    });

  const openFile = (defaults: OpenOptions) =>
    command(async (args, fs) => {
      const target = one(args);
      const given = optionsOf(args);
      const flags: OpenOptions = { ...defaults };
      for (const key of ["read", "write", "append", "truncate", "create", "createNew"] as const) {
        if (given[key] !== undefined) flags[key] = bool(given[key], key);
      }
      flags.mode = mode(given.mode);
      if (!flags.read && !flags.write && !flags.append) flags.read = true;
      const file = await fs.open(target.path, flags, target.scope);
      return resources.add(new FileResource(file));
    });
  const handle = (args: Args) => resources.get(args.rid, isFile).file;

  return {
    "plugin:fs|read_text_file": command((args, fs) => {
      const { path, scope } = one(args);
      return fs.readFile(path, scope, maxReadBytes);
    }),
    "plugin:fs|read_file": command((args, fs) => {
      const { path, scope } = one(args);
      return fs.readFile(path, scope, maxReadBytes);
    }),
    "plugin:fs|write_text_file": write(true),
    "plugin:fs|write_file": write(false),
    "plugin:fs|read_dir": command((args, fs) => {
      const { path, scope } = one(args);
      return fs.readDir(path, scope);
    }),
    "plugin:fs|mkdir": command(async (args, fs) => {
      const { path, scope } = one(args);
      await fs.mkdir(path, { recursive: recursiveOf(args) }, scope);
      return null;
    }),
    "plugin:fs|remove": command(async (args, fs) => {
      const { path, scope } = one(args);
      await fs.remove(path, { recursive: recursiveOf(args) }, scope);
      return null;
    }),
    "plugin:fs|stat": command((args, fs) => {
      const { path, scope } = one(args);
      return fs.stat(path, scope);
    }),
    "plugin:fs|lstat": command((args, fs) => {
      const { path, scope } = one(args);
      return fs.lstat(path, scope);
    }),
    "plugin:fs|exists": command((args, fs) => {
      const { path, scope } = one(args);
      return fs.exists(path, scope);
    }),
    "plugin:fs|size": command(async (args, fs) => {
      const { path, scope } = one(args);
      return await sizeOf(fs, path, scope, 0);
    }),
    "plugin:fs|rename": command(async (args, fs) => {
      const from = where(args, "oldPath", "oldPathBaseDir");
      const to = where(args, "newPath", "newPathBaseDir");
      await fs.rename(from.path, to.path, from.scope, to.scope);
      return null;
    }),
    "plugin:fs|copy_file": command(async (args, fs) => {
      const from = where(args, "fromPath", "fromPathBaseDir");
      const to = where(args, "toPath", "toPathBaseDir");
      await fs.copyFile(from.path, to.path, from.scope, to.scope);
      return null;
    }),
    "plugin:fs|truncate": command(async (args, fs) => {
      const { path, scope } = one(args);
      await fs.truncate(path, length(args.len), scope);
      return null;
    }),
    // File handles: the open file stays in the core, the page holds its resource id.
    "plugin:fs|open": openFile({ read: true }),
    "plugin:fs|create": openFile({ write: true, create: true, truncate: true }),
    "plugin:fs|read": command(async (args) => {
      const file = handle(args);
      const len = length(args.len);
      if (len > maxReadBytes - 8) throw new Error(`len: at most ${maxReadBytes - 8} bytes per read`);
      // As Tauri: the bytes read, then their count as 8 big-endian bytes.
      const buffer = new Uint8Array(len + 8);
      const n = len === 0 ? 0 : (await file.read(buffer.subarray(0, len))) ?? 0;
      const out = new Uint8Array(n + 8);
      out.set(buffer.subarray(0, n));
      new DataView(out.buffer).setBigUint64(n, BigInt(n));
      return out;
    }),
    "plugin:fs|write": command(async (args) => {
      const file = handle(args);
      const data = args.data instanceof Uint8Array
        ? args.data
        : Array.isArray(args.data) && args.data.length <= maxReadBytes &&
            args.data.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)
        ? Uint8Array.from(args.data as number[])
        : null;
      if (data === null) throw new Error("data: expected bytes");
      let written = 0;
      while (written < data.length) written += await file.write(data.subarray(written));
      return written;
    }),
    "plugin:fs|seek": command(async (args) => {
      const file = handle(args);
      const offset = args.offset;
      if (typeof offset !== "number" || !Number.isSafeInteger(offset)) {
        throw new Error("offset: expected a whole number");
      }
      const whence = args.whence;
      if (whence !== 0 && whence !== 1 && whence !== 2) {
        throw new Error("whence: expected SeekMode.Start (0), Current (1) or End (2)");
      }
      return await file.seek(offset, whence as Deno.SeekMode);
    }),
    "plugin:fs|fstat": command(async (args) => fileStat(await handle(args).stat())),
    "plugin:fs|ftruncate": command(async (args) => {
      await handle(args).truncate(args.len === undefined || args.len === null ? 0 : length(args.len));
      return null;
    }),
    // Security-scoped resources are iOS's; elsewhere the plugin does nothing.
    "plugin:fs|start_accessing_security_scoped_resource": () => null,
    "plugin:fs|stop_accessing_security_scoped_resource": () => null,
  };
}

const MAX_SIZE_DEPTH = 64;

/** A file's size, or a folder's: every file below it, counted once per entry (symlinks not followed). */
async function sizeOf(fs: ScopedFs, path: string, scope: string | undefined, depth: number): Promise<number> {
  const info = await fs.lstat(path, scope);
  if (!info.isDirectory) return info.size;
  if (depth > MAX_SIZE_DEPTH) throw new Error(`size: folders nest deeper than ${MAX_SIZE_DEPTH} levels`);
  let total = 0;
  for (const entry of await fs.readDir(path, scope)) {
    total += await sizeOf(fs, join(path, entry.name), scope, depth + 1);
  }
  return total;
}

function optionsOf(args: Args): Args {
  const options = args.options;
  if (options === undefined || options === null) return {};
  if (typeof options !== "object" || Array.isArray(options)) throw new Error("options: expected an object");
  return options as Args;
}

/** The `options` header of a write: JSON text of the call's options ("undefined"/absent for none). */
function parseOptionsHeader(header: string | undefined): Args {
  if (header === undefined || header === "" || header === "undefined" || header === "null") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    throw new Error("the options header is not valid JSON");
  }
  if (parsed === null) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("options: expected an object");
  return parsed as Args;
}

function str(value: unknown, key: string): string {
  if (typeof value !== "string") throw new Error(`args.${key}: expected a string, got ${kindOf(value)}`);
  if (value.length > 4096) throw new Error(`args.${key}: must be at most 4096 characters`);
  return value;
}

function bool(value: unknown, key: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw new Error(`options.${key}: expected a boolean, got ${kindOf(value)}`);
  return value;
}

function mode(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw new Error("options.mode: expected a file mode (0 to 0o7777)");
  }
  return value & 0o777;
}

function length(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new Error("len: expected a whole number of bytes");
  }
  return value;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Uint8Array) return "bytes";
  return typeof value;
}
