// @tauri-apps/plugin-clipboard-manager, unchanged from npm, on the real X clipboard of the test's display:
// another X client (xclip) reads what the page wrote and writes what the page reads. Under capabilities,
// clipboard-manager:default grants nothing (as in Tauri) and a window without the permission is refused by
// the core.
import assert from "node:assert/strict";
import { settle } from "../fixture.ts";
import { launchPluginApp, PLUGIN_PACKAGES } from "./plugin_app.ts";

const PAGE =
  `import * as clipboard from "@tauri-apps/plugin-clipboard-manager"; window.clipboard_ = clipboard;`;
const EMPTY = "The clipboard contents were not available in the requested format or the clipboard is empty.";

/** xclip, another X client, reading the CLIPBOARD selection (`target`: a format); null when it has none. */
async function xclipRead(target = "UTF8_STRING"): Promise<string | null> {
  const out = await new Deno.Command("xclip", {
    args: ["-o", "-selection", "clipboard", "-t", target],
    stdout: "piped",
    stderr: "null",
  }).output();
  return out.success ? new TextDecoder().decode(out.stdout) : null;
}

/** xclip taking the CLIPBOARD selection with `text` (it stays in the background serving it until another
 * client takes the selection over); resolves once the X server says xclip owns it. */
async function xclipWrite(text: string): Promise<void> {
  const child = new Deno.Command("xclip", {
    args: ["-i", "-selection", "clipboard"],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  assert.ok((await child.status).success);
  // xclip's parent exits once its child holds the text, but the child's claim on the selection may not have
  // reached the X server yet; another client reading the text back means it has.
  for (let tries = 0; (await xclipRead()) !== text; tries++) {
    assert.ok(tries < 100, `xclip never came to own the clipboard with ${JSON.stringify(text)}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

Deno.test("plugin-clipboard-manager: writeText/readText/writeHtml/clear on the real X clipboard, read and written by xclip", async () => {
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.clipboard]);
  try {
    const text = "Airlock → xclip: ünïcode ✓\nsecond line";
    await app.evaluate(`clipboard_.writeText(${JSON.stringify(text)})`);
    assert.equal(await xclipRead(), text);
    assert.equal(await app.evaluate(`clipboard_.readText()`), text);

    await xclipWrite("from xclip, ünïcode ✓");
    assert.equal(await app.evaluate(`clipboard_.readText()`), "from xclip, ünïcode ✓");

    await app.evaluate(`clipboard_.writeHtml("<h1>Tauri is <b>awesome</b></h1>", "Tauri is awesome")`);
    assert.equal(await xclipRead("text/html"), "<h1>Tauri is <b>awesome</b></h1>");
    assert.equal(await xclipRead(), "Tauri is awesome");
    assert.equal(await app.evaluate(`clipboard_.readText()`), "Tauri is awesome");
    // Without an alternative the HTML is the text too.
    await app.evaluate(`clipboard_.writeHtml("<i>only</i>")`);
    assert.equal(await xclipRead(), "<i>only</i>");

    // clear() empties it for everyone, also when another client owns it.
    await xclipWrite("owned by xclip");
    await app.evaluate(`clipboard_.clear()`);
    assert.equal(await xclipRead(), null);
    const got = await app.evaluate(`(async () => {
      const fail = (p) => p.then(() => "ran", (e) => String(e));
      return {
        empty: await fail(clipboard_.readText()),
        readImage: await fail(clipboard_.readImage()),
        writeImage: await fail(clipboard_.writeImage([255, 0, 0, 255])),
        notText: await fail(window.__TAURI__.core.invoke("plugin:clipboard-manager|write_text", { text: 1 })),
      };
    })()`);
    assert.deepEqual(got, {
      empty: EMPTY,
      readImage: "clipboard images are not supported by Airlock (readImage/writeImage); text and HTML are",
      writeImage: "clipboard images are not supported by Airlock (readImage/writeImage); text and HTML are",
      notText:
        "invalid arguments for plugin:clipboard-manager|write_text: args.text: expected a string, got number",
    });
  } finally {
    await app.close();
  }
});

Deno.test("plugin-clipboard-manager under capabilities: clipboard-manager:default grants nothing; a window without the permission is refused by the core", async () => {
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.clipboard], {
    hook: `window.__TAURI_ISOLATION_HOOK__ = (payload) => payload;`,
    config: {
      app: {
        windows: [{ label: "main" }, { label: "second", width: 320, height: 240 }],
        security: {
          capabilities: [
            {
              identifier: "base",
              windows: ["*"],
              permissions: ["core:default", "clipboard-manager:default"],
            },
            {
              identifier: "copy",
              windows: ["main"],
              permissions: ["clipboard-manager:allow-write-text", "clipboard-manager:allow-read-text"],
            },
          ],
        },
      },
    },
    launch: { audit: () => {} },
  });
  try {
    await app.evaluate(`clipboard_.writeText("granted")`);
    assert.equal(await xclipRead(), "granted");
    const cleared = await app.evaluate(settle(`clipboard_.clear()`)) as { ok: boolean; error: string };
    assert.equal(cleared.ok, false);
    assert.match(cleared.error, /plugin:clipboard-manager\|clear not allowed for window "main"/);
    assert.match(cleared.error, /clipboard-manager:allow-clear/);
    const second = app.window("second")!;
    for (const call of [`clipboard_.writeText("from second")`, `clipboard_.readText()`]) {
      const refused = await second.evaluate(settle(call)) as { ok: boolean; error: string };
      assert.equal(refused.ok, false, call);
      assert.match(
        refused.error,
        /plugin:clipboard-manager\|(write|read)_text not allowed for window "second"/,
      );
    }
    assert.equal(await xclipRead(), "granted");
  } finally {
    for (const window of app.windows()) await window.close();
  }
});
