// Tauri's sql plugin (@tauri-apps/plugin-sql) on SQLite through Deno's built-in node:sqlite: Database.load
// ("sqlite:app.db") opens (creating it) a file in the app's data folder, execute/select bind `$1`-style
// values as the plugin's sqlx driver does, close ends one connection or all. The databases live in a
// worker (sql_worker.ts): a query that runs longer than `plugins.sql.timeoutMs` ends that worker (every
// connection with it) and is rejected, and the core's own thread never waits on SQLite.
import { dirname, join } from "node:path";
import type { AppConfig } from "../config.ts";
import { appDataDir } from "../fs.ts";
import type { PluginManifest } from "../permissions.ts";
import type { Commands } from "../router.ts";
import { t } from "../schema.ts";
import { onExit, pluginState } from "./app_state.ts";

export interface SqlMigration {
  version: number;
  description: string;
  sql: string;
}

/** `plugins.sql` of the config: Tauri's `preload` (databases opened at start), Airlock's `migrations` (what
 * a Tauri app gives Builder::add_migrations in Rust: per database URL, Tauri's fields) and `timeoutMs`. */
export interface SqlConfig {
  preload: string[];
  migrations: Record<string, SqlMigration[]>;
  timeoutMs: number;
}

const migration = t.object({
  version: t.integer({ min: 0 }),
  description: t.string(),
  sql: t.string(),
  kind: t.optional(t.oneOf("up", "down", "Up", "Down")),
});
const sqlConfig = t.object({
  preload: t.optional(t.array(t.string())),
  migrations: t.optional(t.unknown()),
  timeoutMs: t.optional(t.integer({ min: 1 })),
});

export function parseSqlConfig(raw: unknown, field = "plugins.sql"): SqlConfig {
  const parsed = sqlConfig.parse(raw ?? {}, field);
  const migrations: Record<string, SqlMigration[]> = {};
  const listed = parsed.migrations ?? {};
  if (typeof listed !== "object" || listed === null || Array.isArray(listed)) {
    throw new Error(`${field}.migrations must map database URLs to lists of migrations`);
  }
  for (const [url, list] of Object.entries(listed)) {
    const items = t.array(migration).parse(list, `${field}.migrations.${url}`);
    // As Tauri's MigrationSource: only the "up" migrations run.
    migrations[url] = items.filter((m) => !/^down$/i.test(m.kind ?? "up"))
      .map(({ version, description, sql }) => ({ version, description, sql }));
  }
  return { preload: parsed.preload ?? [], migrations, timeoutMs: parsed.timeoutMs ?? 30_000 };
}

/** The database file a connection URL names, inside `root`; ":memory:" for sqlite::memory:. */
export function databaseFile(url: string, root: string): string {
  if (!url.startsWith("sqlite:")) {
    throw new Error(`invalid connection url: ${url} (only sqlite: databases are supported)`);
  }
  const path = url.slice("sqlite:".length).replace(/^\/\/(?=[^/])/, "");
  if (path === ":memory:") return ":memory:";
  if (
    path === "" || path.includes("\0") || path.includes("?") || path.startsWith("/") ||
    path.split(/[/\\]/).includes("..")
  ) {
    throw new Error(`invalid connection url: ${url} (a file in the app's data folder, like sqlite:app.db)`);
  }
  return join(root, path);
}

type Answer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** The worker and its connections; a new worker after one was ended. */
class Databases {
  #worker: Worker | null = null;
  #next = 1;
  #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  /** URL → file of the connections open in the current worker. */
  readonly open = new Map<string, string>();

  constructor(readonly config: SqlConfig, readonly root: string) {}

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./sql_worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<Answer>) => {
      const answer = event.data;
      const pending = this.#pending.get(answer.id);
      this.#pending.delete(answer.id);
      if (answer.ok) pending?.resolve(answer.value);
      else pending?.reject(new Error(answer.error));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#end(`the database worker failed: ${event.message}`);
    };
    this.#worker = worker;
    return worker;
  }

  #end(reason: string): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.open.clear();
    for (const pending of this.#pending.values()) pending.reject(new Error(reason));
    this.#pending.clear();
  }

  call(request: Record<string, unknown>): Promise<unknown> {
    const worker = this.#start();
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#end(
          `the query took longer than ${this.config.timeoutMs} ms: it was stopped, and every database ` +
            `connection closed with it (load them again)`,
        );
      }, this.config.timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      worker.postMessage({ id, ...request });
    });
  }

  async load(url: string): Promise<void> {
    const file = databaseFile(url, this.root);
    if (this.open.has(url)) return;
    if (file !== ":memory:") await confine(file, this.root);
    await this.call({ op: "open", url, file });
    this.open.set(url, file);
    const migrations = this.config.migrations[url];
    if (migrations) await this.call({ op: "migrate", url, migrations });
  }

  async close(url?: string | null): Promise<boolean> {
    const urls = url === undefined || url === null ? [...this.open.keys()] : [url];
    for (const one of urls) {
      if (!this.open.has(one)) throw new Error(`database ${one} not loaded`);
      await this.call({ op: "close", url: one });
      this.open.delete(one);
    }
    if (this.open.size === 0) this.#end("closed");
    return true;
  }
}

/** Creates the file's folder inside the data folder and refuses a path whose real location is outside it
 * (a symlinked folder or file). */
async function confine(file: string, root: string): Promise<void> {
  await Deno.mkdir(dirname(file), { recursive: true });
  const realRoot = await Deno.realPath(root);
  let real = await Deno.realPath(dirname(file));
  try {
    real = await Deno.realPath(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    real = join(real, file.slice(dirname(file).length + 1));
  }
  if (real !== realRoot && !real.startsWith(realRoot + "/")) {
    throw new Error(`the database ${file} leads outside the app's data folder`);
  }
}

const queryArgs = t.object({
  db: t.string({ max: 4096 }),
  query: t.string(),
  values: t.optional(t.array(t.unknown())),
});

export function sqlCommands(config: AppConfig): Commands {
  const databases = pluginState(config, "sql", () => {
    const created = new Databases(
      config.plugins.sql,
      appDataDir(config.app.identifier),
    );
    onExit(config, () => created.open.size ? created.close() : undefined);
    for (const url of created.config.preload) {
      created.load(url).catch((error) =>
        console.error(`airlock: plugins.sql.preload ${url}: ${error.message}`)
      );
    }
    return created;
  });
  const query = (op: "execute" | "select") => async (raw: unknown) => {
    const { db, query, values } = queryArgs.parse(raw, "args");
    if (!databases.open.has(db)) throw new Error(`database ${db} not loaded`);
    return await databases.call({ op, url: db, query, values: values ?? [] });
  };
  return {
    "plugin:sql|load": async (raw) => {
      const { db } = t.object({ db: t.string({ max: 4096 }) }).parse(raw, "args");
      await databases.load(db);
      return db;
    },
    "plugin:sql|execute": query("execute"),
    "plugin:sql|select": query("select"),
    "plugin:sql|close": (raw) => {
      const { db } = t.object({ db: t.optional(t.string({ max: 4096 })) }).parse(raw ?? {}, "args");
      return databases.close(db);
    },
  };
}

/** plugins/sql/permissions: sql:default allows load, select and close — not execute. */
export const SQL_MANIFEST: PluginManifest = {
  name: "sql",
  commands: ["close", "execute", "load", "select"],
  default: ["allow-close", "allow-load", "allow-select"],
};
