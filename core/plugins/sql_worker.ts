// The sql plugin's databases, in a worker of their own: SQLite through node:sqlite is synchronous, and a
// query that runs for ever (a page's recursive CTE) must stall this worker, which the core can end, and
// never the core's own thread. Messages: { id, op: "open" | "close" | "execute" | "select" | "migrate", … }.
/// <reference lib="deno.worker" />
import { DatabaseSync, type SQLInputValue } from "node:sqlite";

const open = new Map<string, DatabaseSync>();

/** Tauri's binding (the sqlx driver's): null, strings as text, numbers as REAL, anything else as JSON text. */
function bind(value: unknown): SQLInputValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number") return value;
  return JSON.stringify(value);
}

/** sqlx's `$1` names argument 1 wherever it stands: SQLite's `?1`. Literals, quoted names and comments are
 * left alone; a `$name` that is not a number is refused, as sqlx refuses it. */
export function numberedParameters(query: string): string {
  let out = "";
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    const close = c === "'" ? "'" : c === '"' ? '"' : c === "`" ? "`" : c === "[" ? "]" : null;
    if (close) {
      const end = query.indexOf(close, i + 1);
      const stop = end < 0 ? query.length : end + 1;
      out += query.slice(i, stop);
      i = stop - 1;
    } else if (c === "-" && query[i + 1] === "-") {
      const end = query.indexOf("\n", i);
      const stop = end < 0 ? query.length : end;
      out += query.slice(i, stop);
      i = stop - 1;
    } else if (c === "/" && query[i + 1] === "*") {
      const end = query.indexOf("*/", i + 2);
      const stop = end < 0 ? query.length : end + 2;
      out += query.slice(i, stop);
      i = stop - 1;
    } else if (c === "$") {
      const name = /^[A-Za-z0-9_]+/.exec(query.slice(i + 1))?.[0] ?? "";
      if (!/^\d+$/.test(name)) {
        throw new Error(`parameters with non-integer names are not supported: $${name}`);
      }
      out += `?${name}`;
      i += name.length;
    } else out += c;
  }
  return out;
}

/** A row as Tauri's decoder gives it: BOOLEAN columns as booleans, BLOBs as arrays of numbers. */
function decode(row: Record<string, unknown>, booleans: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    out[key] = value instanceof Uint8Array
      ? [...value]
      : booleans.has(key) && typeof value === "number"
      ? value !== 0
      : typeof value === "bigint"
      ? Number(value)
      : value;
  }
  return out;
}

function database(url: string): DatabaseSync {
  const db = open.get(url);
  if (!db) throw new Error(`database ${url} not loaded`);
  return db;
}

function prepare(url: string, query: string) {
  return database(url).prepare(numberedParameters(query));
}

type Request =
  | { id: number; op: "open"; url: string; file: string }
  | { id: number; op: "close"; url: string }
  | { id: number; op: "execute" | "select"; url: string; query: string; values: unknown[] }
  | {
    id: number;
    op: "migrate";
    url: string;
    migrations: { version: number; description: string; sql: string }[];
  };

function run(request: Request): unknown {
  switch (request.op) {
    case "open": {
      if (!open.has(request.url)) open.set(request.url, new DatabaseSync(request.file));
      return null;
    }
    case "close": {
      database(request.url).close();
      open.delete(request.url);
      return true;
    }
    case "execute": {
      const result = prepare(request.url, request.query).run(...request.values.map(bind));
      return [Number(result.changes), Number(result.lastInsertRowid)];
    }
    case "select": {
      const statement = prepare(request.url, request.query);
      const booleans = new Set(
        statement.columns().filter((c) => /^BOOL/i.test(c.type ?? "")).map((c) => c.name),
      );
      return statement.all(...request.values.map(bind)).map((row) =>
        decode(row as Record<string, unknown>, booleans)
      );
    }
    case "migrate":
      return migrate(database(request.url), request.migrations);
  }
}

/** sqlx's migration table, so a database migrated by Tauri's plugin is recognised: each version once, in
 * order, each in its own transaction. Returns the versions applied now. */
function migrate(db: DatabaseSync, migrations: { version: number; description: string; sql: string }[]) {
  db.exec(`CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL,
    installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, checksum BLOB NOT NULL,
    execution_time BIGINT NOT NULL)`);
  const done = new Set(
    db.prepare("SELECT version FROM _sqlx_migrations WHERE success").all().map((r) => Number(r.version)),
  );
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(migration.version)) continue;
    const started = performance.now();
    db.exec("BEGIN");
    try {
      db.exec(migration.sql);
      db.prepare(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (?, ?, 1, ?, ?)",
      ).run(
        migration.version,
        migration.description,
        new TextEncoder().encode(migration.sql),
        Math.round((performance.now() - started) * 1e6),
      );
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw new Error(
        `migration ${migration.version} (${migration.description}) failed: ${(error as Error).message}`,
      );
    }
    applied.push(migration.version);
  }
  return applied;
}

self.onmessage = (event: MessageEvent<Request>) => {
  const request = event.data;
  try {
    self.postMessage({ id: request.id, ok: true, value: run(request) });
  } catch (error) {
    const e = error as Error & { errcode?: number };
    const message = e.errcode !== undefined
      ? `error returned from database: (code: ${e.errcode}) ${e.message}`
      : e.message;
    self.postMessage({ id: request.id, ok: false, error: message });
  }
};
