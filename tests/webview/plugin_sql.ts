// @tauri-apps/plugin-sql, unchanged from npm, on a real SQLite file (node:sqlite) in the app's data folder:
// migrations from the config, `$1` binding as sqlx does it, Tauri's result shapes and error strings; a
// runaway query is stopped without stalling the app; sql:default does not allow execute.
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { appDataDir } from "../../core/fs.ts";
import { settle } from "../fixture.ts";
import { launchPluginApp, PLUGIN_PACKAGES } from "./plugin_app.ts";

const PAGE = `import Database from "@tauri-apps/plugin-sql"; window.Database = Database;`;

function identity() {
  const identifier = `dev.airlock.test.sql-${crypto.randomUUID().slice(0, 8)}`;
  return { identifier, dir: appDataDir(identifier) };
}

const MIGRATIONS = {
  "sqlite:app.db": [
    {
      version: 1,
      description: "create notes",
      sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, done BOOLEAN, score REAL)",
      kind: "up",
    },
    { version: 2, description: "drop notes", sql: "DROP TABLE notes", kind: "down" },
  ],
};

Deno.test("plugin-sql: load with migrations, execute and select with $n parameters, on a real file", async () => {
  const { identifier, dir } = identity();
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.sql], {
    config: { identifier, plugins: { sql: { migrations: MIGRATIONS } } },
  });
  try {
    const got = await app.evaluate(`(async () => {
      const db = await Database.load("sqlite:app.db");
      const out = { path: db.path };
      out.insert = await db.execute("INSERT INTO notes (title, done, score) VALUES ($1, $2, $3)", ["milk", true, 1.5]);
      // $2 before $1: each names its own argument, as sqlx binds them.
      out.second = await db.execute("INSERT INTO notes (score, title, done) VALUES ($2, $1, $3)", ["eggs", 3, false]);
      out.update = await db.execute("UPDATE notes SET score = score + 1 WHERE score > $1", [0]);
      out.rows = await db.select("SELECT id, title, done, score FROM notes WHERE title != $1 ORDER BY id", ["'; DROP TABLE notes; --"]);
      out.literal = await db.select("SELECT '$1' AS text, $1 AS value", ["bound"]);
      const fail = (p) => p.then(() => "ran", (e) => String(e));
      out.syntax = await fail(db.execute("INSERT INTO nope VALUES ($1)", [1]));
      out.named = await fail(db.select("SELECT $name", []));
      out.notLoaded = await fail(Database.get("sqlite:other.db").select("SELECT 1"));
      out.escape = await fail(Database.load("sqlite:../outside.db"));
      out.absolute = await fail(Database.load("sqlite:/tmp/outside.db"));
      out.postgres = await fail(Database.load("postgres://localhost/db"));
      out.closed = await db.close();
      out.afterClose = await fail(db.select("SELECT 1"));
      return out;
    })()`);
    assert.deepEqual(got, {
      path: "sqlite:app.db",
      insert: { lastInsertId: 1, rowsAffected: 1 },
      second: { lastInsertId: 2, rowsAffected: 1 },
      update: { lastInsertId: 2, rowsAffected: 2 },
      // A boolean is bound as JSON text, as the plugin's driver binds it (a JSON value).
      rows: [
        { id: 1, title: "milk", done: "true", score: 2.5 },
        { id: 2, title: "eggs", done: "false", score: 4 },
      ],
      literal: [{ text: "$1", value: "bound" }],
      syntax: "error returned from database: (code: 1) no such table: nope",
      named: "parameters with non-integer names are not supported: $name",
      notLoaded: "database sqlite:other.db not loaded",
      escape:
        "invalid connection url: sqlite:../outside.db (a file in the app's data folder, like sqlite:app.db)",
      absolute:
        "invalid connection url: sqlite:/tmp/outside.db (a file in the app's data folder, like sqlite:app.db)",
      postgres: "invalid connection url: postgres://localhost/db (only sqlite: databases are supported)",
      closed: true,
      afterClose: "database sqlite:app.db not loaded",
    });
    // The real file, read by another SQLite connection: the rows, and sqlx's record of migration 1 only.
    const db = new DatabaseSync(join(dir, "app.db"));
    assert.deepEqual(db.prepare("SELECT title, score FROM notes ORDER BY id").all().map((r) => ({ ...r })), [
      { title: "milk", score: 2.5 },
      { title: "eggs", score: 4 },
    ]);
    assert.deepEqual(db.prepare("SELECT version FROM _sqlx_migrations").all().map((r) => r.version), [1]);
    db.close();
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("plugin-sql: a query that runs for ever is stopped at plugins.sql.timeoutMs; the app keeps answering", async () => {
  const { identifier, dir } = identity();
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.sql], {
    config: { identifier, plugins: { sql: { timeoutMs: 500 } } },
  });
  try {
    const got = await app.evaluate(`(async () => {
      const db = await Database.load("sqlite:loop.db");
      const started = Date.now();
      const forever = db.select("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");
      // Meanwhile the core answers other calls.
      const other = await window.__TAURI_INTERNALS__.invoke("plugin:app|version");
      const error = await forever.then(() => "ran", (e) => String(e));
      const again = await Database.load("sqlite:loop.db");
      return { other, error, waitedUnder: Date.now() - started < 5000, after: await again.select("SELECT 1 AS one") };
    })()`);
    assert.deepEqual(got, {
      other: "0.0.0",
      error:
        "the query took longer than 500 ms: it was stopped, and every database connection closed with it " +
        "(load them again)",
      waitedUnder: true,
      after: [{ one: 1 }],
    });
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("plugin-sql under capabilities: sql:default loads and selects but the core refuses execute", async () => {
  const { identifier, dir } = identity();
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.sql], {
    hook: `window.__TAURI_ISOLATION_HOOK__ = (payload) => payload;`,
    config: {
      identifier,
      app: {
        security: {
          capabilities: [{
            identifier: "main",
            windows: ["main"],
            permissions: ["core:default", "sql:default"],
          }],
        },
      },
    },
    launch: { audit: () => {} },
  });
  try {
    const db = `Database.load("sqlite:caps.db")`;
    assert.deepEqual(await app.evaluate(settle(`${db}.then((d) => d.select("SELECT 2 AS two"))`)), {
      ok: true,
      value: [{ two: 2 }],
    });
    const refused = await app.evaluate(settle(`${db}.then((d) => d.execute("CREATE TABLE t (x)"))`)) as {
      ok: boolean;
      error: string;
    };
    assert.equal(refused.ok, false);
    assert.match(refused.error, /plugin:sql\|execute not allowed for window "main"/);
    assert.match(refused.error, /sql:allow-execute/);
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
