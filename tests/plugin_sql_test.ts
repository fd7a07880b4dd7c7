import assert from "node:assert/strict";
import { databaseFile, parseSqlConfig } from "../core/plugins/sql.ts";
import { numberedParameters } from "../core/plugins/sql_worker.ts";

Deno.test("sql: $n becomes SQLite's ?n outside literals, quoted names and comments", () => {
  assert.equal(
    numberedParameters("SELECT $2, $1 FROM t WHERE a = $10"),
    "SELECT ?2, ?1 FROM t WHERE a = ?10",
  );
  assert.equal(
    numberedParameters(`SELECT '$1', "$1", [$1], \`$1\` -- $1\n, /* $1 */ $1`),
    `SELECT '$1', "$1", [$1], \`$1\` -- $1\n, /* $1 */ ?1`,
  );
  assert.equal(numberedParameters("SELECT 'it''s', $1"), "SELECT 'it''s', ?1");
  assert.throws(() => numberedParameters("SELECT $id"), /non-integer names are not supported: \$id/);
});

Deno.test("sql: connection URLs name files inside the data folder only", () => {
  assert.equal(databaseFile("sqlite:app.db", "/data"), "/data/app.db");
  assert.equal(databaseFile("sqlite:dbs/app.db", "/data"), "/data/dbs/app.db");
  assert.equal(databaseFile("sqlite::memory:", "/data"), ":memory:");
  for (
    const url of [
      "sqlite:../x.db",
      "sqlite:/etc/x.db",
      "sqlite:a/../../x.db",
      "sqlite:",
      "sqlite:x.db?mode=ro",
    ]
  ) {
    assert.throws(() => databaseFile(url, "/data"), /invalid connection url/, url);
  }
  assert.throws(() => databaseFile("mysql://h/db", "/data"), /only sqlite: databases are supported/);
});

Deno.test("sql: plugins.sql config, with Tauri's migration fields (down migrations do not run)", () => {
  const config = parseSqlConfig({
    preload: ["sqlite:app.db"],
    migrations: {
      "sqlite:app.db": [{ version: 1, description: "a", sql: "x", kind: "up" }, {
        version: 2,
        description: "b",
        sql: "y",
        kind: "down",
      }],
    },
  });
  assert.deepEqual(config, {
    preload: ["sqlite:app.db"],
    migrations: { "sqlite:app.db": [{ version: 1, description: "a", sql: "x" }] },
    timeoutMs: 30_000,
  });
  assert.throws(() => parseSqlConfig({ preload: "sqlite:app.db" }), /plugins\.sql\.preload/);
  assert.throws(
    () => parseSqlConfig({ migrations: { x: [{ version: "1" }] } }),
    /plugins\.sql\.migrations\.x/,
  );
});
