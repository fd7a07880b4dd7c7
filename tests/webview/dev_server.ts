// `dev` with a framework dev server, as most Tauri apps run it: build.devUrl and build.beforeDevCommand
// starting a real Vite (npm:vite, pinned). The dev server starts with the app, its pages are the app's
// (served as app://localhost, so the bridge and isolation work as in a build), an edit reaches the page by
// Vite's HMR (the page keeps its state), and the server stops with the app.
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDev } from "../../host/dev_session.ts";
import { commandsInputs, importCommandsModule } from "../../build/commands_module.ts";
import { SEED_HOOK, settle, until as waitFor } from "../fixture.ts";

const until = <T>(probe: () => Promise<T>, ok: (value: T) => boolean, what: string) =>
  waitFor(probe, ok, what, 20_000);

const VITE = "npm:vite@6.3.5";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A Tauri v2 project: the frontend (a Vite app) at the root, the config in src-tauri/. */
async function viteApp(port: number): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "airlock-vite-" });
  const files: Record<string, string> = {
    "index.html": `<!doctype html><meta charset="utf-8"><p id="text">static</p>
<script type="module" src="/src/main.js"></script>`,
    "src/main.js": `import { value } from "./value.js";
const show = (text) => document.getElementById("text").textContent = text;
show(value);
if (import.meta.hot) import.meta.hot.accept("./value.js", (next) => show(next.value));
`,
    "src/value.js": `export const value = "one";\n`,
    "isolation/index.html": `<script src="index.js"></script>`,
    "isolation/index.js": SEED_HOOK,
    "src-tauri/tauri.conf.json": JSON.stringify({
      productName: "vite-app",
      version: "1.0.0",
      identifier: "dev.airlock.vite-test",
      build: {
        frontendDist: "../dist", // not built: dev does not need it
        devUrl: `http://localhost:${port}`,
        beforeDevCommand: `${Deno.execPath()} run -A ${VITE} --port ${port} --strictPort --host localhost`,
      },
      app: { security: { pattern: { use: "isolation", options: { dir: "../isolation" } } } },
    }),
  };
  for (const [name, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, name, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, name), text);
  }
  return root;
}

Deno.test("dev server: beforeDevCommand starts Vite, devUrl's pages are the app's, HMR updates them, Vite stops with the app", async () => {
  const port = freePort();
  const root = await viteApp(port);
  const lines: string[] = [];
  const session = await startDev({
    configFile: join(root, "src-tauri", "tauri.conf.json"),
    commands: { load: (file, fresh) => importCommandsModule(file, { fresh }), inputs: commandsInputs },
    launch: { dev: true },
    log: (line) => lines.push(line),
    devServerOutput: "log",
  });
  const app = session.app!;
  const text = () => app.evaluate(`document.getElementById("text")?.textContent ?? null`);
  try {
    // Vite colours its banner when it thinks it may (CI=true turns that on): read it without the colours.
    const plain = (line: string) =>
      line.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");
    assert.ok(lines.some((line) => /^dev server: .*VITE v6\.3\.5/.test(plain(line))), lines.join("\n"));
    assert.ok(
      lines.includes(
        `airlock: pages come from the dev server at http://localhost:${port}, served as app://localhost`,
      ),
    );
    // Vite's transformed page, at the app's origin, with the bridge and the isolation hook working.
    await until(text, (value) => value === "one", "Vite's page");
    assert.equal(await app.evaluate(`location.origin`), "app://localhost");
    assert.equal(await app.evaluate(`!!document.querySelector('script[src="/@vite/client"]')`), true);
    assert.deepEqual(await app.evaluate(settle(`window.airlock.invoke("plugin:app|version")`)), {
      ok: true,
      value: "1.0.0",
    });

    // An edit: Vite's HMR swaps the module; no reload (the page's own state stays).
    await app.evaluate(`window.kept = "yes"`);
    // Saved again each second until it shows: Vite's client connects its WebSocket a moment after the page
    // loads, and updates go to connected clients only.
    let saves = 0;
    await until(
      async () => {
        await Deno.writeTextFile(
          join(root, "src", "value.js"),
          `export const value = "two"; // ${saves++}\n`,
        );
        await new Promise((r) => setTimeout(r, 1000));
        return await text();
      },
      (value) => value === "two",
      "the hot update",
    );
    assert.equal(await app.evaluate(`window.kept ?? "reloaded"`), "yes");
  } finally {
    await session.close();
  }
  // Vite went with the app: nothing answers on its port any more.
  await assert.rejects(fetch(`http://localhost:${port}/`, { signal: AbortSignal.timeout(2000) }));
});

Deno.test("dev server: a beforeDevCommand that ends before the server answers is one clear error", async () => {
  const root = await viteApp(freePort());
  const config = join(root, "src-tauri", "tauri.conf.json");
  const raw = JSON.parse(await Deno.readTextFile(config));
  raw.build.beforeDevCommand = "echo no server here; exit 3";
  await Deno.writeTextFile(config, JSON.stringify(raw));
  const lines: string[] = [];
  await assert.rejects(
    startDev({
      configFile: config,
      commands: { load: (file, fresh) => importCommandsModule(file, { fresh }), inputs: commandsInputs },
      launch: { dev: true },
      log: (line) => lines.push(line),
      devServerOutput: "log",
    }),
    /build\.beforeDevCommand ended \(exit 3\) before the dev server at http:\/\/localhost:\d+ answered/,
  );
  assert.ok(lines.includes("dev server: no server here"), lines.join("\n"));
});
