// The Selenium spec (selenium_spec.cjs) on Node, against the demo through WebKitWebDriver. Selenium comes
// from npm into .tools/selenium (tools/run.sh installs it for `npm test`; this test does when it is
// missing), beside Deno's own .tools package and apart from it (npm would prune one for the other).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { appCapabilities, startWebDriver } from "../../webdriver.ts";
import { appsGone } from "./helpers.ts";

export const SELENIUM_VERSION = "4.49.0";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PREFIX = `${ROOT}.tools/selenium`;
const SPEC = fileURLToPath(new URL("./selenium_spec.cjs", import.meta.url));
const DEMO = fileURLToPath(new URL("../../demo/airlock.conf.json", import.meta.url));
const decoder = new TextDecoder();

async function installedVersion(): Promise<string | null> {
  try {
    const manifest = `${PREFIX}/node_modules/selenium-webdriver/package.json`;
    return JSON.parse(await Deno.readTextFile(manifest)).version;
  } catch {
    return null;
  }
}

async function ensureSelenium(): Promise<void> {
  if (await installedVersion() === SELENIUM_VERSION) return;
  const out = await new Deno.Command("npm", {
    args: [
      "install",
      "--prefix",
      PREFIX,
      "--no-save",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      `selenium-webdriver@${SELENIUM_VERSION}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `npm install selenium-webdriver failed: ${decoder.decode(out.stderr)}`);
}

Deno.test({
  name: "e2e (Selenium on Node): the demo's greet and a hook refusal through WebKitWebDriver",
  sanitizeOps: false,
  sanitizeResources: false,
}, async () => {
  await ensureSelenium();
  const driver = await startWebDriver();
  try {
    const out = await new Deno.Command("node", {
      args: ["--test", "--test-reporter=spec", SPEC],
      env: {
        NODE_PATH: `${PREFIX}/node_modules`,
        WEBDRIVER_URL: driver.url,
        APP_CAPABILITIES: JSON.stringify(appCapabilities({ config: DEMO })),
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const output = decoder.decode(out.stdout) + decoder.decode(out.stderr);
    assert.ok(out.success, `${output}\n--- driver and app output ---\n${driver.output()}`);
    assert.match(output, /pass 1/);
    assert.match(output, /fail 0/);
    // quit() ended the session, and the app with it.
    assert.ok(await appsGone(driver), "the app still runs after the session ended");
  } finally {
    await driver.stop();
  }
});
