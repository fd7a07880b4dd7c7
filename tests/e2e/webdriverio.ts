// The demo app driven like a user would, by WebdriverIO through WebKitGTK's own WebDriver
// (/usr/bin/WebKitWebDriver, Debian's webkit2gtk-driver): the driver starts `main.ts dev --automation`,
// clicks the demo's buttons and reads what each call answered, a refusal of the isolation hook among
// them; then the windows of a two-window app, each a window handle, one opened by its page with new
// WebviewWindow; windows closed through WebDriver, and the session ended with the app gone.
// `deno task e2e` runs it with the other specs (specs.ts).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
// Pinned here, as the other npm tools of the tests are.
// deno-lint-ignore no-import-prefix
import { remote } from "npm:webdriverio@9.33.1";
import { appCapabilities, startWebDriver } from "../../webdriver.ts";
import { appsGone } from "./helpers.ts";

const DEMO = fileURLToPath(new URL("../../demo/airlock.conf.json", import.meta.url));
const TWO_WINDOWS = fileURLToPath(new URL("./two_windows.conf.json", import.meta.url));

// WebdriverIO keeps a connection pool and timers past the end of a session: not this test's leak.
const e2e = { sanitizeOps: false, sanitizeResources: false };

type Browser = Awaited<ReturnType<typeof remote>>;

/** Starts WebKitWebDriver and a session on the app of `config`, runs `body`, ends the session and checks
 * that the app is gone with it; a failure carries what the driver and the app printed. */
async function drive(
  config: string,
  body: (browser: Browser) => Promise<void>,
  args: string[] = [],
): Promise<void> {
  const driver = await startWebDriver();
  let browser: Browser | null = null;
  try {
    browser = await remote({
      hostname: driver.hostname,
      port: driver.port,
      logLevel: "warn",
      connectionRetryCount: 0,
      connectionRetryTimeout: 60_000,
      capabilities: {
        ...appCapabilities({ config, args }),
        // WebKitWebDriver speaks classic WebDriver; WebdriverIO 9 would ask for BiDi (webSocketUrl) first.
        "wdio:enforceWebDriverClassic": true,
      } as WebdriverIO.Capabilities,
    });
    // The driver started the app, which the end of the session must stop (below).
    assert.notDeepEqual(await driver.apps(), [], "no app process seen");
    await body(browser);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- driver and app output ---\n${driver.output()}`);
  } finally {
    await browser?.deleteSession();
    // DELETE session closes the app's windows, and with them the app.
    const ended = await appsGone(driver);
    await driver.stop();
    assert.ok(ended, "the app still runs after the session ended");
  }
}

/** The newest line of the demo's results list once it is not `previous` (calls answer asynchronously). */
async function nextResult(browser: Browser, previous: number): Promise<string> {
  await browser.waitUntil(async () => (await browser.$$("#log li").length) > previous, {
    timeout: 10_000,
    timeoutMsg: "no new result in the demo's log",
  });
  return await browser.$("#log li").getText();
}

/** Runs `script` in the page's main world (as WebDriver's Execute Script): its `return` value. */
async function run<T>(browser: Browser, script: string): Promise<T> {
  return await browser.execute(script) as T;
}

/** Runs `script` with `done` to call with the result (WebDriver's Execute Async Script). */
async function runAsync<T>(browser: Browser, script: string): Promise<T> {
  return await browser.executeAsync(`const done = arguments[arguments.length - 1];\n${script}`) as T;
}

const LABEL = "return window.airlock.window.label";

async function click(browser: Browser, id: string): Promise<string> {
  const before = await browser.$$("#log li").length;
  await browser.$(`#${id}`).click();
  return await nextResult(browser, before);
}

Deno.test(
  { name: "e2e (WebdriverIO): the demo's buttons, clicked through WebKitWebDriver", ...e2e },
  () =>
    drive(DEMO, async (browser) => {
      assert.equal(browser.capabilities.browserName, "airlock");
      assert.equal(browser.capabilities.browserVersion, "0.2"); // the demo's version, 0.2.0
      assert.equal(await browser.getUrl(), "app://localhost/index.html");
      assert.equal(await browser.getTitle(), "Airlock demo");
      // The page greets on load: the first answer is there once the bridge and the isolation frame are up.
      await nextResult(browser, 0);

      await browser.$("#name").setValue("Grace");
      assert.equal(
        await click(browser, "greet"),
        'greet: ✔ Hello, Grace! (answered by the Deno core for window "main")',
      );
      assert.match(
        await click(browser, "greet-bad"),
        /^greet with a number: ✘ invalid arguments for greet: args\.name: expected a string/,
      );
      // Refused in the isolation frame by the demo's hook: the core never saw it.
      assert.equal(
        await click(browser, "read-bad"),
        'read ../../etc/passwd: ✘ isolation hook refused the call: path "../../etc/passwd" is outside the ' +
          "app's folders",
      );
      assert.match(await click(browser, "read-ok"), /^read hello\.txt: ✔ \S/);
      assert.match(await click(browser, "write-ro"), /^write into the demo scope: ✘ /);
      assert.match(
        await click(browser, "http-bad"),
        /^fetch with a foreign Origin: ✘ isolation hook refused the call: Origin header "https:\/\/evil\.example"/,
      );
      // The page's script runs in the page's own world: the bridge's secrets are not there to read.
      assert.deepEqual(await run(browser, "return [typeof window.airlock, document.title]"), [
        "object",
        "Airlock demo",
      ]);
    }),
);

Deno.test(
  { name: "e2e (WebdriverIO): every window is a window handle, and closes", ...e2e },
  () =>
    drive(TWO_WINDOWS, async (browser) => {
      const labels = async () => {
        const found: Record<string, string> = {};
        for (const handle of await browser.getWindowHandles()) {
          await browser.switchToWindow(handle);
          found[await run<string>(browser, LABEL)] = handle;
        }
        return found;
      };
      // The session starts in the app's first window.
      assert.equal(await run(browser, LABEL), "main");
      const first = await labels();
      assert.deepEqual(Object.keys(first).sort(), ["main", "second"]);

      // WebDriver's New Window is refused (windows are the app's to open), not answered with an old one.
      await assert.rejects(browser.createWindow("window"), /failed to create a new browsing context/);
      assert.equal((await browser.getWindowHandles()).length, 2);

      // A window the page opens (new WebviewWindow's command) is one more handle.
      await browser.switchToWindow(first.main);
      const opened = await runAsync(
        browser,
        `window.__TAURI_INTERNALS__.invoke("plugin:webview|create_webview_window", {
        options: { label: "third", url: "index.html", title: "third", width: 500, height: 400 },
      }).then(() => done("opened"), (error) => done("refused: " + error));`,
      );
      assert.equal(opened, "opened");
      await browser.waitUntil(async () => (await browser.getWindowHandles()).length === 3, {
        timeout: 10_000,
        timeoutMsg: "the page's new window never became a window handle",
      });
      const all = await labels();
      assert.deepEqual(Object.keys(all).sort(), ["main", "second", "third"]);

      // Each window's clicks go through its own bridge and isolation frame.
      await browser.switchToWindow(all.second);
      await nextResult(browser, 0);
      assert.equal(
        await click(browser, "greet"),
        'greet: ✔ Hello, Ada! (answered by the Deno core for window "second")',
      );
      assert.equal(
        await click(browser, "read-bad"),
        'read ../../etc/passwd: ✘ isolation hook refused the call: path "../../etc/passwd" is outside the ' +
          "app's folders",
      );

      // WebDriver's Close Window closes the native window: the app's windows are one fewer.
      await browser.switchToWindow(all.third);
      const left = await browser.closeWindow() as unknown as string[];
      assert.deepEqual([...left].sort(), [all.main, all.second].sort());
      await browser.switchToWindow(all.main);
      assert.deepEqual(
        await runAsync(
          browser,
          `window.__TAURI_INTERNALS__.invoke("plugin:window|get_all_windows").then(done, (e) => done(String(e)));`,
        ),
        ["main", "second"],
      );
    }),
);

Deno.test(
  { name: "e2e (WebdriverIO): dev's isolation inspector window is not a WebDriver window", ...e2e },
  () =>
    drive(DEMO, async (browser) => {
      // The session starts in the app's window, and it is the only handle.
      assert.equal(await run(browser, LABEL), "main");
      assert.equal((await browser.getWindowHandles()).length, 1);
      assert.equal(
        await click(browser, "read-bad"),
        'read ../../etc/passwd: ✘ isolation hook refused the call: path "../../etc/passwd" is outside the ' +
          "app's folders",
      );
    }, ["--inspector"]),
);
