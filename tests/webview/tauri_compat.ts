// A frontend bundled from the real @tauri-apps/api (v2) npm package, run unchanged on Airlock through
// isolation; and isolation hooks written the way Tauri's own examples write them.
import assert from "node:assert/strict";
import { join } from "node:path";
import { type EventMessage, launch } from "../../mod.ts";
import { makeApp } from "../fixture.ts";

const TAURI_API = "@tauri-apps/api@2.12.5";
const ESBUILD = "esbuild@0.28.2";

/**
 * Bundles src with esbuild against the real npm package, installed into a temp folder by npm, with any
 * `packages` besides (pinned specs, e.g. "@tauri-apps/plugin-fs@2.6.0").
 */
export async function bundleWithTauriApi(source: string, packages: string[] = []): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "airlock-tauri-api-" });
  const npm = new Deno.Command("npm", {
    args: [
      "install",
      "--prefix",
      dir,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--silent",
      TAURI_API,
      ESBUILD,
      ...packages,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const installed = await npm.output();
  if (!installed.success) {
    throw new Error(`npm install failed: ${new TextDecoder().decode(installed.stderr)}`);
  }
  await Deno.writeTextFile(join(dir, "main.js"), source);
  const built = await new Deno.Command(join(dir, "node_modules", ".bin", "esbuild"), {
    args: ["main.js", "--bundle", "--format=iife", "--outfile=app.js", "--log-level=error"],
    cwd: dir,
    stderr: "piped",
  }).output();
  if (!built.success) throw new Error(`esbuild failed: ${new TextDecoder().decode(built.stderr)}`);
  return await Deno.readTextFile(join(dir, "app.js"));
}

// The frontend: nothing Airlock-specific, only @tauri-apps/api.
const FRONTEND = `
import { invoke, Channel, transformCallback } from "@tauri-apps/api/core";
import { listen, once, emit, emitTo } from "@tauri-apps/api/event";
window.tauriApp = { invoke, Channel, transformCallback, listen, once, emit, emitTo };
`;

Deno.test("tauri compat: a frontend bundled from @tauri-apps/api calls invoke, events and channels through isolation", async () => {
  const app = await bundleWithTauriApi(FRONTEND);
  // A Tauri-style isolation app: it sees Tauri's message shape and checks it.
  const hook = `window.__TAURI_ISOLATION_HOOK__ = (payload) => {
    if (typeof payload.cmd !== "string" || typeof payload.callback !== "number" || typeof payload.error !== "number") {
      throw new Error("not Tauri's message shape");
    }
    if (payload.cmd === "read_secret") throw new Error("read_secret is not allowed");
    return payload;
  };`;
  const heard: EventMessage[] = [];
  const handle = await launch({
    config: await makeApp({
      hook,
      frontend: {
        "index.html": `<!doctype html><meta charset="utf-8"><script src="app.js"></script>`,
        "app.js": app,
      },
    }),
    commands: {
      greet: ({ name }: { name: string }) => `Hello, ${name}!`,
      read_secret: () => "should never run",
      count: async ({ onEvent, upTo }: { onEvent: string; upTo: number }, context) => {
        const channel = context.channel(onEvent);
        for (let i = 1; i <= upTo; i++) await channel.send({ i });
        await channel.close();
        return upTo;
      },
      notify: async (_args, context) => {
        await context.emit("server-news", { headline: "from the core" });
        return null;
      },
    },
    label: "compat",
  });
  handle.listen("from-page", (message) => void heard.push(message));
  try {
    const result = await handle.evaluate(`(async () => {
      const { invoke, Channel, listen, once, emit, emitTo } = window.tauriApp;
      const out = {};
      out.greet = await invoke("greet", { name: "Tauri" });
      out.refused = await invoke("read_secret").then(() => "ran", (e) => String(e.message ?? e));
      // Events both ways, through the hook.
      const news = [];
      const unlisten = await listen("server-news", (event) => news.push(event));
      const onceSeen = [];
      await once("server-news", (event) => onceSeen.push(event.payload));
      await invoke("notify");
      await invoke("notify");
      await new Promise((r) => setTimeout(r, 50));
      await unlisten();
      await invoke("notify");
      await new Promise((r) => setTimeout(r, 50));
      out.news = news.map((e) => ({ event: e.event, payload: e.payload, idIsNumber: typeof e.id === "number" }));
      out.once = onceSeen;
      await emit("from-page", { hello: "core" });
      const mine = [];
      await listen("to-window", (e) => mine.push(e.payload));
      await emitTo("compat", "to-window", 1);
      await emitTo("elsewhere", "to-window", 2);
      await emitTo({ kind: "Any" }, "to-window", 3);
      await new Promise((r) => setTimeout(r, 50));
      out.emitTo = mine;
      // A channel streamed by the command, in order.
      const got = [];
      const channel = new Channel();
      channel.onmessage = (m) => got.push(m.i);
      out.count = await invoke("count", { onEvent: channel, upTo: 5 });
      await new Promise((r) => setTimeout(r, 50));
      out.channel = got;
      return out;
    })()`);
    assert.deepEqual(result, {
      greet: "Hello, Tauri!",
      refused: "isolation hook refused the call: read_secret is not allowed",
      news: [
        { event: "server-news", payload: { headline: "from the core" }, idIsNumber: true },
        { event: "server-news", payload: { headline: "from the core" }, idIsNumber: true },
      ],
      once: [{ headline: "from the core" }],
      emitTo: [1, 3],
      count: 5,
      channel: [1, 2, 3, 4, 5],
    });
    assert.deepEqual(heard, [{ event: "from-page", payload: { hello: "core" }, window: "compat" }]);
    assert.deepEqual(
      await handle.evaluate(`window.__TAURI_INTERNALS__.metadata.currentWindow.label`),
      "compat",
    );
  } finally {
    await handle.close();
  }
});

Deno.test("tauri compat: Tauri's example hook shapes work unchanged", async () => {
  // From Tauri's isolation docs: validate and pass through; and an async hook that inspects the payload.
  const hooks = [
    `window.__TAURI_ISOLATION_HOOK__ = (payload) => {
      // let's not verify or modify anything, just print the content from the hook
      console.log('hook', payload)
      return payload
    }`,
    `window.__TAURI_ISOLATION_HOOK__ = async (payload) => {
      await Promise.resolve();
      if (payload.cmd === 'write_file' && String(payload.payload.path).includes('..')) {
        throw new Error('path traversal');
      }
      return payload;
    }`,
  ];
  for (const hook of hooks) {
    const app = await launch({
      config: await makeApp({ hook }),
      commands: { write_file: ({ path }: { path: string }) => `wrote ${path}` },
    });
    try {
      assert.equal(
        await app.evaluate(`window.__TAURI_INTERNALS__.invoke("write_file", { path: "notes.txt" })`),
        "wrote notes.txt",
      );
    } finally {
      await app.close();
    }
  }
});
