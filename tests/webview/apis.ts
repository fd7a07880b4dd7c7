// The core's built-in APIs (window, app info), typed app commands and the frontend API as an ES module,
// in the real webview.
import assert from "node:assert/strict";
import { command, launch, t } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";

Deno.test("window and app APIs: set the native title, read app info, close from the page", async () => {
  const config = await makeApp();
  const raw = JSON.parse(await Deno.readTextFile(config));
  raw.package = { productName: "Fixture App", version: "1.2.3" };
  raw.tauri.bundle = { identifier: "dev.airlock.fixture" };
  await Deno.writeTextFile(config, JSON.stringify(raw));
  const app = await launch({ config, label: "apis" });
  try {
    await app.evaluate(`window.airlock.window.setTitle("Renamed by the page")`);
    assert.equal(app.title, "Renamed by the page");
    assert.deepEqual(
      await app.evaluate(
        `Promise.all([airlock.app.getName(), airlock.app.getVersion(), airlock.app.getIdentifier()])`,
      ),
      ["Fixture App", "1.2.3", "dev.airlock.fixture"],
    );
    // Another window's label is refused, not silently applied here.
    assert.deepEqual(
      await app.evaluate(settle(`airlock.invoke("plugin:window|set_title", { label: "main", value: "x" })`)),
      { ok: false, error: 'window "main" is not this page\'s window' },
    );
    assert.deepEqual(
      await app.evaluate(settle(`airlock.invoke("plugin:window|set_title", { value: 42 })`)),
      {
        ok: false,
        error: "invalid arguments for plugin:window|set_title: args.value: expected a string, got number",
      },
    );
    assert.equal(app.title, "Renamed by the page");
    // Closing from the page: the window goes (the evaluation itself is not awaited: it may go with it).
    await app.evaluate(`void airlock.window.close()`);
    await app.closed;
  } finally {
    await app.close();
  }
});

Deno.test("a page's hook can refuse the core's own APIs like any command", async () => {
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (m) => {
    if (m.cmd === "plugin:window|close") throw new Error("this app never closes itself");
    return m;
  };`;
  const app = await launch({ config: await makeApp({ hook }) });
  try {
    assert.deepEqual(await app.evaluate(settle(`airlock.window.close()`)), {
      ok: false,
      error: "isolation hook refused the call: this app never closes itself",
    });
    assert.equal(await app.evaluate(`1 + 1`), 2); // still open
  } finally {
    await app.close();
  }
});

Deno.test("typed commands: arguments checked against a schema, the bad field named", async () => {
  const seen: unknown[] = [];
  const app = await launch({
    config: await makeApp(),
    commands: {
      greet: command(
        { name: t.string({ min: 1, max: 20 }), times: t.optional(t.integer({ min: 1, max: 3 })) },
        ({ name, times }) => {
          seen.push({ name, times });
          return `Hello, ${name}`.repeat(times ?? 1);
        },
      ),
      store: command(t.object({ key: t.oneOf("a", "b"), data: t.bytes({ max: 4 }) }), ({ key, data }) => {
        return `${key}:${data.length}`;
      }),
    },
  });
  const call = (js: string) => app.evaluate(settle(js));
  try {
    assert.deepEqual(await call(`airlock.invoke("greet", { name: "Ada", times: 2 })`), {
      ok: true,
      value: "Hello, AdaHello, Ada",
    });
    const refusals = [
      [`{ name: 7 }`, "args.name: expected a string, got number"],
      [`{}`, "args.name: is required (a string)"],
      [`{ name: "" }`, "args.name: must be at least 1 characters"],
      [`{ name: "Ada", times: 1.5 }`, "args.times: expected an integer, got number"],
      [`{ name: "Ada", times: 9 }`, "args.times: must be ≤ 3"],
      [`{ name: "Ada", admin: true }`, "args.admin: is not an expected field"],
      [`[]`, "args: expected an object, got array"],
    ];
    for (const [args, reason] of refusals) {
      assert.deepEqual(await call(`airlock.invoke("greet", ${args})`), {
        ok: false,
        error: `invalid arguments for greet: ${reason}`,
      });
    }
    assert.equal(seen.length, 1); // the handler never ran for a bad call
    assert.deepEqual(await call(`airlock.invoke("store", { key: "a", data: new Uint8Array(3) })`), {
      ok: true,
      value: "a:3",
    });
    assert.deepEqual(await call(`airlock.invoke("store", { key: "c", data: new Uint8Array(3) })`), {
      ok: false,
      error: `invalid arguments for store: args.key: expected one of "a", "b", got "c"`,
    });
    assert.deepEqual(await call(`airlock.invoke("store", { key: "a", data: [1, 2] })`), {
      ok: false,
      error: "invalid arguments for store: args.data: expected bytes (Uint8Array), got array",
    });
  } finally {
    await app.close();
  }
});

Deno.test("the frontend API as an ES module, same functions as the global", async () => {
  const app = await launch({
    config: await makeApp({
      frontend: {
        "index.html": `<!doctype html><script type="module">
          import api, { invoke, fs, currentWindow } from "/__airlock/api.js";
          window.fromModule = { same: invoke === window.airlock.invoke && api === window.airlock,
            hasFs: typeof fs.readTextFile === "function", label: currentWindow.label };
          window.moduleAnswer = await invoke("echo", { via: "module" });
        </script>`,
      },
    }),
    commands: { echo: (args) => args },
    label: "modular",
  });
  try {
    const result = await app.evaluate(`(async () => {
      while (!window.moduleAnswer) await new Promise((r) => setTimeout(r, 10));
      return { ...window.fromModule, answer: window.moduleAnswer };
    })()`);
    assert.deepEqual(result, { same: true, hasFs: true, label: "modular", answer: { via: "module" } });
  } finally {
    await app.close();
  }
});

Deno.test("an app cannot register a command under the core's reserved plugin: names", async () => {
  await assert.rejects(
    launch({ config: await makeApp(), commands: { "plugin:fs|read_file": () => "mine" } }),
    /command name "plugin:fs\|read_file" is reserved/,
  );
});

Deno.test("an app's own plugins: plugin:<name>|<cmd> commands for names Airlock does not implement", async () => {
  const app = await launch({
    config: await makeApp(),
    commands: { "plugin:notes|add": (args: { text: string }) => `added ${args.text}` },
  });
  try {
    assert.equal(
      await app.evaluate(`window.__TAURI__.core.invoke("plugin:notes|add", { text: "milk" })`),
      "added milk",
    );
    // A plugin nobody registered is unknown, by its full name; Airlock's own stay Airlock's.
    assert.deepEqual(
      await app.evaluate(settle(`window.__TAURI__.core.invoke("plugin:clipboard|read_text", {})`)),
      { ok: false, error: "unknown command: plugin:clipboard|read_text" },
    );
    assert.deepEqual(
      await app.evaluate(settle(`window.__TAURI__.core.invoke("plugin:fs|no_such", {})`)),
      { ok: false, error: "unknown command: plugin:fs|no_such" },
    );
  } finally {
    await app.close();
  }
});
