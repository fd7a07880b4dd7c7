// Tauri's path plugin ("plugin:path|…") as @tauri-apps/api/path calls it: BaseDirectory resolution on
// Linux (XDG folders, the app's folders under its identifier, as Tauri's `dirs`-based resolver has them)
// and the pure path helpers with Tauri's results (extname without the dot, basename with `ext` removed).
// It only names folders: reading or writing them is the fs plugin's, inside its scopes.
import { posix } from "node:path";
import type { Commands } from "../router.ts";
import { t } from "../schema.ts";

/** @tauri-apps/api's BaseDirectory numbers. */
export const BaseDirectory = {
  Audio: 1,
  Cache: 2,
  Config: 3,
  Data: 4,
  LocalData: 5,
  Document: 6,
  Download: 7,
  Picture: 8,
  Public: 9,
  Video: 10,
  Resource: 11,
  Temp: 12,
  AppConfig: 13,
  AppData: 14,
  AppLocalData: 15,
  AppCache: 16,
  AppLog: 17,
  Desktop: 18,
  Executable: 19,
  Font: 20,
  Home: 21,
  Runtime: 22,
  Template: 23,
} as const;

export interface PathContext {
  identifier: string;
  /** The app's resource folder (its config's folder, or a shipped app's own). */
  resourceDir: string;
  env?: (name: string) => string | undefined;
}

/** Where each BaseDirectory is on this machine; throws, naming the variable, when it cannot be known. */
export function resolveBaseDirectory(directory: number, context: PathContext): string {
  const env = context.env ?? ((name: string) => Deno.env.get(name));
  const home = () => {
    const value = env("HOME");
    if (!value) throw new Error("the home folder is unknown: HOME is not set");
    return value;
  };
  // XDG: a relative value is invalid and must be ignored.
  const xdg = (name: string, fallback: string[]) => {
    const value = env(name);
    return value && posix.isAbsolute(value) ? value : posix.join(home(), ...fallback);
  };
  const data = () => xdg("XDG_DATA_HOME", [".local", "share"]);
  const config = () => xdg("XDG_CONFIG_HOME", [".config"]);
  const cache = () => xdg("XDG_CACHE_HOME", [".cache"]);
  const user = (name: string, fallback: string) => xdg(`XDG_${name}_DIR`, [fallback]);
  const app = (base: string) => posix.join(base, context.identifier);
  switch (directory) {
    case BaseDirectory.Audio:
      return user("MUSIC", "Music");
    case BaseDirectory.Cache:
      return cache();
    case BaseDirectory.Config:
      return config();
    case BaseDirectory.Data:
    case BaseDirectory.LocalData:
      return data();
    case BaseDirectory.Document:
      return user("DOCUMENTS", "Documents");
    case BaseDirectory.Download:
      return user("DOWNLOAD", "Downloads");
    case BaseDirectory.Picture:
      return user("PICTURES", "Pictures");
    case BaseDirectory.Public:
      return user("PUBLICSHARE", "Public");
    case BaseDirectory.Video:
      return user("VIDEOS", "Videos");
    case BaseDirectory.Resource:
      return context.resourceDir;
    case BaseDirectory.Temp:
      return env("TMPDIR") || "/tmp";
    case BaseDirectory.AppConfig:
      return app(config());
    case BaseDirectory.AppData:
    case BaseDirectory.AppLocalData:
      return app(data());
    case BaseDirectory.AppCache:
      return app(cache());
    case BaseDirectory.AppLog:
      return posix.join(app(data()), "logs");
    case BaseDirectory.Desktop:
      return user("DESKTOP", "Desktop");
    case BaseDirectory.Executable:
      return xdg("XDG_BIN_HOME", [".local", "bin"]);
    case BaseDirectory.Font:
      return posix.join(data(), "fonts");
    case BaseDirectory.Home:
      return home();
    case BaseDirectory.Runtime: {
      const runtime = env("XDG_RUNTIME_DIR");
      if (!runtime) throw new Error("the runtime folder is unknown: XDG_RUNTIME_DIR is not set");
      return runtime;
    }
    case BaseDirectory.Template:
      return user("TEMPLATES", "Templates");
    default:
      throw new Error(`unknown base directory ${directory}`);
  }
}

const onePath = t.object({ path: t.string({ max: 4096 }) });
const paths = t.object({ paths: t.array(t.string({ max: 4096 }), { max: 256 }) });

export function pathCommands(context: PathContext): Commands {
  return {
    "plugin:path|resolve_directory": (args) => {
      const { directory, path } = t.object({
        directory: t.integer({ min: 1, max: 64 }),
        path: t.optional(t.string({ max: 4096 })),
      }).parse(args, "args");
      const base = resolveBaseDirectory(directory, context);
      return path === undefined ? base : posix.join(base, path);
    },
    "plugin:path|resolve": (args) => posix.resolve(...paths.parse(args, "args").paths),
    "plugin:path|normalize": (args) => posix.normalize(onePath.parse(args, "args").path),
    "plugin:path|join": (args) => posix.join(...paths.parse(args, "args").paths),
    "plugin:path|dirname": (args) => {
      const { path } = onePath.parse(args, "args");
      if (path === "/" || path === "") throw new Error("Path does not have a parent");
      return posix.dirname(path);
    },
    "plugin:path|extname": (args) => {
      const extension = posix.extname(onePath.parse(args, "args").path);
      if (extension === "") throw new Error("Path does not have an extension");
      return extension.slice(1);
    },
    "plugin:path|basename": (args) => {
      const { path, ext } = t.object({
        path: t.string({ max: 4096 }),
        ext: t.optional(t.string({ max: 256 })),
      })
        .parse(args, "args");
      const name = posix.basename(path);
      if (name === "") throw new Error("Path does not have a basename");
      return ext !== undefined && name.endsWith(ext) ? name.slice(0, name.length - ext.length) : name;
    },
    "plugin:path|is_absolute": (args) => posix.isAbsolute(onePath.parse(args, "args").path),
  };
}
