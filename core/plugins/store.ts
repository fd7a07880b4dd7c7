// Tauri's store plugin (@tauri-apps/plugin-store): key-value stores kept in memory and saved as JSON files
// in the app's data folder ($XDG_DATA_HOME/<identifier>/), shared by every window of the app as in Tauri
// (one resource id per store, app-wide). Saves are atomic (the fs core's temp file, fsync, rename): a
// process killed mid-save leaves the last saved file whole. Changes are announced as Tauri's
// "store://change" events { path, resourceId, key, value, exists } to every window.
import { dirname, join } from "node:path";
import type { AppConfig } from "../config.ts";
import type { WindowEvents } from "../events.ts";
import { appDataDir, FsError, ScopedFs } from "../fs.ts";
import type { PluginManifest } from "../permissions.ts";
import type { Commands } from "../router.ts";
import { t } from "../schema.ts";
import { addAppResource, closeAppResource, onExit, pluginState } from "./app_state.ts";

/** Tauri's default autosave debounce. */
export const AUTOSAVE_MS = 100;
const SCOPE = "store";

type Json = unknown;

class Store {
  cache = new Map<string, Json>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Saves run one after another: a later save never lands under an earlier one. */
  #saving: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly file: string,
    readonly rid: number,
    readonly defaults: Map<string, Json>,
    readonly autoSave: number | false,
    readonly fs: ScopedFs,
    readonly emit: (payload: Record<string, unknown>) => void,
  ) {}

  /** Reads the file into the cache, over the defaults unless `ignoreDefaults`; false when there is none. */
  async read(ignoreDefaults: boolean): Promise<boolean> {
    let text: string;
    try {
      text = await this.fs.readTextFile(this.file, SCOPE);
    } catch (error) {
      if (error instanceof FsError && error.code === "not-found") return false;
      throw error;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new Error(`store ${this.file} is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      throw new Error(`store ${this.file} does not hold a JSON object`);
    }
    this.cache = new Map(ignoreDefaults ? [] : this.defaults);
    for (const [key, value] of Object.entries(data)) this.cache.set(key, value);
    return true;
  }

  changed(key: string, value: Json | undefined): void {
    this.emit({
      path: this.path,
      resourceId: this.rid,
      key,
      value: value === undefined ? null : value,
      exists: value !== undefined,
    });
    if (this.autoSave === false) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.save().catch((error) => console.error(`airlock: store autosave: ${error.message}`));
    }, this.autoSave);
  }

  save(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const text = JSON.stringify(Object.fromEntries(this.cache), null, 2);
    const next = this.#saving.catch(() => {}).then(async () => {
      // As Tauri, a store in a subfolder creates it.
      if (dirname(this.file) !== ".") await this.fs.mkdir(dirname(this.file), { recursive: true }, SCOPE);
      await this.fs.writeTextFile(this.file, text, SCOPE);
    });
    this.#saving = next;
    return next;
  }

  /** Saves now if an autosave is waiting. */
  flush(): Promise<void> {
    return this.#timer === undefined ? this.#saving.catch(() => {}) : this.save();
  }
}

interface StoreState {
  byPath: Map<string, Store>;
  byRid: Map<number, Store>;
  root: string;
  fs: ScopedFs;
}

/** The store file's path inside the data folder: relative, no "..", no NUL. */
function storeFile(path: unknown): string {
  if (typeof path !== "string" || path === "" || path.length > 4096) {
    throw new Error("store path must be a non-empty string");
  }
  if (path.includes("\0") || path.startsWith("/") || path.split(/[/\\]/).includes("..")) {
    throw new Error(`store path ${JSON.stringify(path)} must stay inside the app's data folder`);
  }
  return path;
}

const loadArgs = t.object({
  path: t.string({ max: 4096 }),
  options: t.optional(t.object({
    defaults: t.optional(t.unknown()),
    autoSave: t.optional(t.unknown()),
    serializeFnName: t.optional(t.string()),
    deserializeFnName: t.optional(t.string()),
    createNew: t.optional(t.boolean()),
    overrideDefaults: t.optional(t.boolean()),
  }, { extra: true })),
});
const ridArgs = t.object({ rid: t.integer({ min: 0 }) }, { extra: true });
const keyArgs = t.object({ rid: t.integer({ min: 0 }), key: t.string() });
const setArgs = t.object({ rid: t.integer({ min: 0 }), key: t.string(), value: t.unknown() });
const reloadArgs = t.object({ rid: t.integer({ min: 0 }), ignoreDefaults: t.optional(t.boolean()) });

function autoSaveOf(value: unknown): number | false {
  if (value === undefined || value === null || value === true) return AUTOSAVE_MS;
  if (value === false) return false;
  if (Number.isSafeInteger(value) && (value as number) >= 0) return value as number;
  throw new Error("autoSave must be true, false or a debounce in milliseconds");
}

export function storeCommands(config: AppConfig, events: WindowEvents): Commands {
  const state = pluginState<StoreState>(config, "store", () => {
    const root = appDataDir(config.app.identifier);
    const created: StoreState = {
      byPath: new Map(),
      byRid: new Map(),
      root,
      fs: new ScopedFs([{ name: SCOPE, root, write: true }]),
    };
    // Tauri saves every store when the app exits.
    onExit(config, () => Promise.all([...created.byRid.values()].map((store) => store.save())));
    return created;
  });
  const store = (rid: number) => {
    const found = state.byRid.get(rid);
    if (!found) throw new Error(`resource id ${rid} is invalid`);
    return found;
  };
  const drop = (found: Store) => {
    state.byRid.delete(found.rid);
    if (state.byPath.get(found.file) === found) state.byPath.delete(found.file);
    return found.flush();
  };
  return {
    "plugin:store|load": async (raw) => {
      const { path, options = {} } = loadArgs.parse(raw, "args");
      const file = storeFile(path);
      if (options.serializeFnName !== undefined || options.deserializeFnName !== undefined) {
        throw new Error("custom serialize functions are not supported: stores are JSON");
      }
      const existing = state.byPath.get(file);
      if (existing && !options.createNew) return existing.rid;
      const defaults = options.defaults ?? {};
      if (typeof defaults !== "object" || defaults === null || Array.isArray(defaults)) {
        throw new Error("defaults must be an object");
      }
      await Deno.mkdir(state.root, { recursive: true });
      const emit = (payload: Record<string, unknown>) => void events.broadcast("store://change", payload);
      let rid = 0;
      rid = addAppResource(config, () => {
        const open = state.byRid.get(rid);
        return open && drop(open);
      });
      const created = new Store(
        join(state.root, file),
        file,
        rid,
        new Map(Object.entries(defaults)),
        autoSaveOf(options.autoSave),
        state.fs,
        emit,
      );
      created.cache = new Map(created.defaults);
      try {
        if (!options.createNew) await created.read(options.overrideDefaults ?? false);
      } catch (error) {
        await closeAppResource(config, rid);
        throw error;
      }
      if (existing) await drop(existing);
      state.byPath.set(file, created);
      state.byRid.set(rid, created);
      return rid;
    },
    "plugin:store|get_store": (raw) => {
      const { path } = t.object({ path: t.string({ max: 4096 }) }).parse(raw, "args");
      return state.byPath.get(storeFile(path))?.rid ?? null;
    },
    "plugin:store|set": (raw) => {
      const { rid, key, value } = setArgs.parse(raw, "args");
      const found = store(rid);
      found.cache.set(key, value ?? null);
      found.changed(key, value ?? null);
      return null;
    },
    "plugin:store|get": (raw) => {
      const { rid, key } = keyArgs.parse(raw, "args");
      const found = store(rid);
      return found.cache.has(key) ? [found.cache.get(key), true] : [null, false];
    },
    "plugin:store|has": (raw) => {
      const { rid, key } = keyArgs.parse(raw, "args");
      return store(rid).cache.has(key);
    },
    "plugin:store|delete": (raw) => {
      const { rid, key } = keyArgs.parse(raw, "args");
      const found = store(rid);
      const existed = found.cache.delete(key);
      if (existed) found.changed(key, undefined);
      return existed;
    },
    "plugin:store|clear": (raw) => {
      const found = store(ridArgs.parse(raw, "args").rid);
      const keys = [...found.cache.keys()];
      found.cache.clear();
      for (const key of keys) found.changed(key, undefined);
      return null;
    },
    // Back to the defaults: an event for each key whose value changed or went.
    "plugin:store|reset": (raw) => {
      const found = store(ridArgs.parse(raw, "args").rid);
      const before = found.cache;
      found.cache = new Map(found.defaults);
      for (const [key, value] of before) {
        if (!found.cache.has(key)) found.changed(key, undefined);
        else if (JSON.stringify(found.cache.get(key)) !== JSON.stringify(value)) {
          found.changed(key, found.cache.get(key));
        }
      }
      for (const [key, value] of found.cache) if (!before.has(key)) found.changed(key, value);
      return null;
    },
    "plugin:store|keys": (raw) => [...store(ridArgs.parse(raw, "args").rid).cache.keys()],
    "plugin:store|values": (raw) => [...store(ridArgs.parse(raw, "args").rid).cache.values()],
    "plugin:store|entries": (raw) => [...store(ridArgs.parse(raw, "args").rid).cache.entries()],
    "plugin:store|length": (raw) => store(ridArgs.parse(raw, "args").rid).cache.size,
    // The file's state again (no events), as Tauri's reload; a store never saved has no file to read.
    "plugin:store|reload": async (raw) => {
      const { rid, ignoreDefaults } = reloadArgs.parse(raw, "args");
      const found = store(rid);
      if (!await found.read(ignoreDefaults ?? false)) {
        throw new Error(`cannot reload store ${found.path}: it has not been saved yet`);
      }
      return null;
    },
    "plugin:store|save": async (raw) => {
      await store(ridArgs.parse(raw, "args").rid).save();
      return null;
    },
  };
}

const COMMANDS = [
  "load",
  "get_store",
  "set",
  "get",
  "has",
  "delete",
  "clear",
  "reset",
  "keys",
  "values",
  "entries",
  "length",
  "reload",
  "save",
];

/** plugins/store/permissions: store:default grants every command. */
export const STORE_MANIFEST: PluginManifest = {
  name: "store",
  commands: COMMANDS,
  default: COMMANDS.map((command) => `allow-${command.replaceAll("_", "-")}`),
};
