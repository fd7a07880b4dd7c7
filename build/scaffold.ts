// `main.ts new <dir>`: a minimal app that runs and passes its own test as created: a frontend, an isolation
// app with the seed's hook, a Tauri v2-shaped config, one typed command and one end-to-end test.
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const AIRLOCK_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export class ScaffoldError extends Error {}

/** The permissions of each task, as this repository's own tasks have them. */
const PERMISSIONS = {
  dev: "--allow-ffi --allow-env --allow-read --allow-write --allow-net --allow-run",
  build: "--allow-read --allow-write --allow-env --allow-run",
};

/**
 * The app's deno.json: its tasks and its import map, both naming the Airlock checkout by its absolute path,
 * so the app may be moved anywhere (moving the checkout means editing these two lines, or `deno task new`
 * again). Once Airlock is published as a package, the same file would name it instead:
 * `"airlock/": "jsr:@airlock/airlock@^0/"` and `deno run … jsr:@airlock/airlock/cli dev …`.
 */
export function appDenoJson(airlockRoot: string): Record<string, unknown> {
  // Quoted for deno task's shell: the checkout's path may hold spaces.
  const main = JSON.stringify(join(airlockRoot, "main.ts"));
  // --config: this folder's import map, also for the commands module main.ts imports.
  const run = (permissions: string, command: string) =>
    `deno run ${permissions} --config deno.json ${main} ${command} --config airlock.conf.json`;
  return {
    tasks: {
      dev: run(PERMISSIONS.dev, "dev"),
      test: `deno test ${PERMISSIONS.dev}`,
      build: run(PERMISSIONS.build, "build"),
      compile: run(PERMISSIONS.build, "compile"),
    },
    imports: {
      "airlock/": pathToFileURL(airlockRoot).href.replace(/\/?$/, "/"),
      // For webdriver_test.ts, the same pinned version Airlock's own WebDriver spec uses.
      webdriverio: "npm:webdriverio@9.33.1",
    },
  };
}

/** Writes the app into dir (which must not exist or be empty) and returns the files written. */
export async function scaffoldApp(dir: string): Promise<string[]> {
  const root = resolve(dir);
  try {
    for await (const _ of Deno.readDir(root)) throw new ScaffoldError(`${dir} is not empty`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const name = basename(root).replace(/[^A-Za-z0-9_-]/g, "-") || "app";
  const files: Record<string, string> = {
    "deno.json": JSON.stringify(appDenoJson(AIRLOCK_ROOT), null, 2) + "\n",
    ".gitignore": "# deno task build's output\n.airlock/\n",
    "airlock.conf.json": JSON.stringify(
      {
        productName: name,
        version: "0.1.0",
        identifier: `dev.airlock.${name.toLowerCase()}`,
        build: { frontendDist: "dist" },
        app: {
          windows: [{ title: name, width: 800, height: 600 }],
          security: { pattern: { use: "isolation", options: { dir: "isolation" } } },
        },
        airlock: { commands: "commands.ts" },
      },
      null,
      2,
    ) + "\n",
    "dist/index.html": `<!doctype html>
<meta charset="utf-8">
<title>${name}</title>
<h1>${name}</h1>
<input id="name" value="Ada"> <button id="greet">Greet</button>
<p id="answer"></p>
<script type="module" src="app.js"></script>
`,
    "dist/app.js": `import { invoke } from "/__airlock/api.js";

document.getElementById("greet").addEventListener("click", async () => {
  const answer = document.getElementById("answer");
  try {
    answer.textContent = await invoke("greet", { name: document.getElementById("name").value });
  } catch (error) {
    answer.textContent = "refused: " + String(error?.message ?? error); // a string, as in Tauri
  }
});
`,
    "isolation/index.html": `<!doctype html>
<meta charset="utf-8">
<script src="index.js"></script>
`,
    "isolation/index.js":
      `// Every call from the page passes through here first: inspect it, rewrite it, or throw to refuse it.
window.__TAURI_ISOLATION_HOOK__ = (payload) => {
  console.log("hook", payload);
  return payload;
};
`,
    "commands.ts": `import { command, t } from "airlock/mod.ts";

export const commands = {
  greet: command({ name: t.string({ min: 1, max: 100 }) }, ({ name }) => \`Hello, \${name}!\`),
};
`,
    "app_test.ts": `import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { launch } from "airlock/mod.ts";
import { commands } from "./commands.ts";

Deno.test("greet, through the isolation hook", async () => {
  const app = await launch({ config: fileURLToPath(new URL("./airlock.conf.json", import.meta.url)), commands });
  try {
    assert.equal(await app.evaluate(\`window.airlock.invoke("greet", { name: "Ada" })\`), "Hello, Ada!");
    const refused = await app.evaluate(\`window.airlock.invoke("greet", { name: 42 }).catch((e) => String(e))\`);
    assert.match(refused as string, /args.name: expected a string/);
  } finally {
    await app.close();
  }
});
`,
  };
  files["webdriver_test.ts"] = WEBDRIVER_TEST;
  const written: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    const file = join(root, path);
    await Deno.mkdir(dirname(file), { recursive: true });
    await Deno.writeTextFile(file, content, { createNew: true });
    written.push(file);
  }
  return written;
}

/** The app's WebDriver test: WebKitGTK's driver starts the app with automation on and WebdriverIO clicks
 * its page, as a user would (README: WebDriver tests). */
const WEBDRIVER_TEST =
  `// The app driven like a user would: WebKitGTK's WebDriver (apt-get install -y webkit2gtk-driver) starts it
// with automation on (main.ts dev --automation) and WebdriverIO types, clicks and reads the page.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";
import { appCapabilities, startWebDriver } from "airlock/webdriver.ts";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

// WebdriverIO keeps connections and timers open past the session: not the app's leak.
Deno.test({ name: "greet, clicked through WebDriver", sanitizeOps: false, sanitizeResources: false }, async () => {
  const driver = await startWebDriver();
  const browser = await remote({
    hostname: driver.hostname,
    port: driver.port,
    logLevel: "warn",
    capabilities: {
      // { browserName: "airlock", "webkitgtk:browserOptions": { binary: deno, args: [..., "--automation"] } }
      ...appCapabilities({ config: here("./airlock.conf.json"), denoConfig: here("./deno.json") }),
      "wdio:enforceWebDriverClassic": true, // WebKitWebDriver speaks classic WebDriver, not BiDi
    } as WebdriverIO.Capabilities,
  });
  try {
    // One command at a time: WebKitWebDriver answers requests in turn (an un-awaited $() is one in flight).
    const answer = await browser.$("#answer");
    await browser.$("#name").setValue("Grace");
    await browser.$("#greet").click();
    await answer.waitUntil(async () => (await answer.getText()) !== "", { timeoutMsg: "no answer" });
    assert.equal(await answer.getText(), "Hello, Grace!");
    // An empty name: the command's argument check refuses it, and the page shows why.
    await browser.$("#name").clearValue();
    await browser.$("#greet").click();
    await answer.waitUntil(async () => (await answer.getText()).startsWith("refused"), { timeoutMsg: "no refusal" });
    assert.match(await answer.getText(), /^refused: invalid arguments for greet: args\\.name/);
  } finally {
    await browser.deleteSession();
    await driver.stop();
  }
});
`;
