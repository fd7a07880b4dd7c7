// `deno task dev`'s core restarts, in the real webview: a change to the commands module, to a file it
// imports or to the config restarts the core (commands imported afresh, config re-read, windows reopened),
// says so in one line, runs the old setup's cleanup and the new setup; a broken commands module or config
// is one line and the running app keeps answering. Also launch()'s setup (Tauri's setup hook).
import assert from "node:assert/strict";
import { join } from "node:path";
import { launch } from "../../mod.ts";
import { startDev } from "../../host/dev_session.ts";
import { commandsInputs, importCommandsModule } from "../../build/commands_module.ts";
import { SEED_HOOK, settle, until } from "../fixture.ts";

/** A Tauri v2-shaped app with a commands module that imports a local file and has a setup. */
async function appWithCommands(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "airlock-dev-restart-" });
  const files: Record<string, string> = {
    "dist/index.html": `<!doctype html><meta charset="utf-8"><p id="text">page</p>`,
    "isolation/index.html": `<script src="index.js"></script>`,
    "isolation/index.js": SEED_HOOK,
    "lib/version.ts": `export const version = 1;\n`,
    "commands.ts": `import { version } from "./lib/version.ts";
const state = globalThis as unknown as { setups: number[]; cleanups: number[] };
export const commands = { version: () => version };
export function setup(app) {
  (state.setups ??= []).push(version);
  // A page's "ping" gets the core's "pong" with the version of the setup that heard it.
  app.listen("ping", () => app.emit("pong", version));
  return () => (state.cleanups ??= []).push(version);
}
`,
    "airlock.conf.json": JSON.stringify({
      productName: "restart",
      version: "0.1.0",
      identifier: "dev.airlock.restart-test",
      build: { frontendDist: "dist" },
      app: {
        windows: [{ title: "first title" }],
        security: { pattern: { use: "isolation", options: { dir: "isolation" } } },
      },
      airlock: { commands: "commands.ts" },
    }),
  };
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, name), text);
  }
  return root;
}

const state = globalThis as unknown as { setups?: number[]; cleanups?: number[] };

Deno.test("dev: a change to the commands module, a file it imports or the config restarts the core", async () => {
  state.setups = [];
  state.cleanups = [];
  const root = await appWithCommands();
  const lines: string[] = [];
  const session = await startDev({
    configFile: join(root, "airlock.conf.json"),
    commands: { load: (file, fresh) => importCommandsModule(file, { fresh }), inputs: commandsInputs },
    log: (line) => lines.push(line),
    debounceMs: 50,
  });
  const app = () => session.app!;
  const version = () =>
    session.app
      ? session.app.evaluate(settle(`window.airlock.invoke("version")`))
      : Promise.resolve("no app");
  // The setup's listener answers a page's emit.
  const pong = () =>
    app().evaluate(`new Promise((resolve) => {
      window.airlock.listen("pong", (e) => resolve(e.payload)).then(() => window.airlock.emit("ping"));
      setTimeout(() => resolve("no pong"), 3000);
    })`);
  try {
    assert.ok(lines.some((line) => /restart is running \(1 commands\)/.test(line)), lines.join("\n"));
    assert.deepEqual(await version(), { ok: true, value: 1 });
    assert.equal(await pong(), 1);
    assert.deepEqual(state.setups, [1]);

    // A file the commands module imports (Deno keeps modules it imported: this needs a fresh copy).
    await Deno.writeTextFile(join(root, "lib", "version.ts"), `export const version = 2;\n`);
    await until(version, (v) => (v as { value?: number })?.value === 2, "version 2 after a restart");
    assert.equal(session.restarts, 1);
    assert.ok(
      lines.some((line) =>
        /^airlock: version\.ts changed: core restarted \(config re-read, 1 commands imported afresh, 1 window reopened\)$/
          .test(line)
      ),
      lines.join("\n"),
    );
    assert.deepEqual(state.cleanups, [1]); // the old setup's cleanup ran
    assert.deepEqual(state.setups, [1, 2]);
    assert.equal(await pong(), 2);
    assert.equal(app().windows().length, 1);

    // Saving a file unchanged restarts nothing.
    await Deno.writeTextFile(join(root, "lib", "version.ts"), `export const version = 2;\n`);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(session.restarts, 1);

    // A syntax error: one line with the file and line; the running app keeps answering.
    await Deno.writeTextFile(
      join(root, "commands.ts"),
      `import { version } from "./lib/version.ts";\nexport const commands = { version: () => version +, };\n`,
    );
    const broken = await until(
      () => Promise.resolve(lines.find((line) => /not restarted/.test(line)) ?? null),
      (line) => line !== null,
      "the syntax error's line",
    );
    assert.match(broken!, /^airlock: commands\.ts changed, not restarted: .*commands\.ts:2:\d+: /);
    assert.doesNotMatch(broken!, /\n/);
    assert.deepEqual(await version(), { ok: true, value: 2 });
    assert.equal(session.restarts, 1);

    // Fixed, with one more command and no setup: restarted.
    await Deno.writeTextFile(
      join(root, "commands.ts"),
      `import { version } from "./lib/version.ts";\nexport const commands = { version: () => version * 10, other: () => 0 };\n`,
    );
    await until(version, (v) => (v as { value?: number })?.value === 20, "the fixed commands module");
    assert.deepEqual(state.cleanups, [1, 2]);
    assert.deepEqual(state.setups, [1, 2]);
    assert.ok(lines.some((line) => /2 commands imported afresh/.test(line)), lines.join("\n"));

    // The config: re-read, its window reopened with the new title; a broken config changes nothing.
    const configFile = join(root, "airlock.conf.json");
    const config = JSON.parse(await Deno.readTextFile(configFile));
    await Deno.writeTextFile(configFile, "{ not json");
    await until(
      () => Promise.resolve(lines.filter((line) => /airlock\.conf\.json changed, not restarted/.test(line))),
      (found) => found.length === 1,
      "the config error's line",
    );
    assert.deepEqual(await version(), { ok: true, value: 20 });
    config.app.windows[0].title = "second title";
    await Deno.writeTextFile(configFile, JSON.stringify(config));
    await until(
      () => Promise.resolve(session.app?.title ?? ""),
      (title) => title === "second title",
      "new title",
    );
    assert.deepEqual(await until(version, (v) => (v as { ok?: boolean }).ok === true, "answers"), {
      ok: true,
      value: 20,
    });

    // A capability file beside the config (a new folder, then a file in it): the policy is re-read.
    const restartsBefore = session.restarts;
    await Deno.mkdir(join(root, "capabilities"));
    await Deno.writeTextFile(
      join(root, "capabilities", "default.json"),
      JSON.stringify({ identifier: "default", windows: ["main"], permissions: ["core:default"] }),
    );
    await until(
      () =>
        Promise.resolve(
          lines.some((line) => /(capabilities|default\.json) changed: core restarted/.test(line)),
        ),
      (seen) => seen,
      "a restart for the capability file",
    );
    assert.ok(session.restarts > restartsBefore);
    // Under that capability now: core:default grants no fs command, and the refusal names it.
    const fs = await until(
      () => app().evaluate(settle(`window.airlock.fs.exists("x", { baseDir: "appData" })`)),
      (v) => (v as { ok?: boolean }).ok === false,
      "the fs call refused",
    ) as { error: string };
    assert.match(fs.error, /none of its capabilities \(default\) grants it/);
  } finally {
    await session.close();
  }
  assert.equal(session.app, null);
});

Deno.test("launch: setup runs once the windows are open; its cleanup when the app closes; a throw fails launch", async () => {
  const root = await appWithCommands();
  const config = join(root, "airlock.conf.json");
  const seen: string[] = [];
  const app = await launch({
    config,
    setup: (app) => {
      seen.push(`setup ${app.windows().map((w) => w.label).join(",")}`);
      return () => seen.push("cleanup");
    },
  });
  assert.deepEqual(seen, ["setup main"]);
  await app.close();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(seen, ["setup main", "cleanup"]);

  let opened: { closed: Promise<void> } | undefined;
  await assert.rejects(
    launch({
      config,
      setup: (app) => {
        opened = app;
        throw new Error("setup says no");
      },
    }),
    /setup says no/,
  );
  await opened!.closed; // its window was closed, not left behind
});

Deno.test("dev: a capability file written while a restart reads the app still gets a restart of its own", async () => {
  const root = await appWithCommands();
  const lines: string[] = [];
  let wrote = false;
  const writeCapability = async () => {
    await Deno.mkdir(join(root, "capabilities"));
    await Deno.writeTextFile(
      join(root, "capabilities", "default.json"),
      JSON.stringify({ identifier: "default", windows: ["main"], permissions: ["core:default"] }),
    );
  };
  const session = await startDev({
    configFile: join(root, "airlock.conf.json"),
    commands: {
      load: async (file, fresh) => {
        const module = await importCommandsModule(file, { fresh });
        if (!fresh) return module;
        // The restarted app's setup runs after its config was read and before the new watchers exist:
        // a file written then is in neither.
        return {
          commands: module.commands,
          setup: async () => {
            if (wrote) return;
            wrote = true;
            await writeCapability();
          },
        };
      },
      inputs: commandsInputs,
    },
    log: (line) => lines.push(line),
    debounceMs: 50,
  });
  try {
    await Deno.writeTextFile(join(root, "lib", "version.ts"), `export const version = 5;\n`);
    await until(
      async () =>
        session.app
          ? await session.app.evaluate(settle(`window.airlock.fs.exists("x", { baseDir: "appData" })`))
          : "restarting",
      (v) => /none of its capabilities \(default\)/.test((v as { error?: string }).error ?? ""),
      "the capability to apply",
    );
    assert.ok(wrote);
    assert.equal(session.restarts, 2, lines.join("\n"));
  } finally {
    await session.close();
  }
});
