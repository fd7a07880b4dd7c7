// The clipboard-manager plugin's commands over a clipboard of the test's own (the real one, GTK's, is
// tested in tests/webview/plugin_clipboard.ts): argument shapes, the HTML's plain-text alternative, the
// empty clipboard's error, no desktop.
import assert from "node:assert/strict";
import { type Clipboard, clipboardCommands, EMPTY } from "../core/plugins/clipboard.ts";
import type { CommandContext } from "../core/router.ts";

function memory() {
  const state = { text: null as string | null, html: null as string | null };
  const clipboard: Clipboard = {
    readText: () => Promise.resolve(state.text),
    writeText: (text) => void (state.text = text, state.html = null),
    writeHtml: (html, text) => void (state.html = html, state.text = text),
    clear: () => void (state.text = state.html = null),
  };
  return { state, commands: clipboardCommands(clipboard) };
}

const context = {} as CommandContext;

Deno.test("clipboard-manager: the package's shapes, null options, HTML with and without its alternative", async () => {
  const { state, commands } = memory();
  await commands["plugin:clipboard-manager|write_text"]({ text: "a", label: null }, context);
  assert.equal(await commands["plugin:clipboard-manager|read_text"](undefined, context), "a");
  await commands["plugin:clipboard-manager|write_html"]({ html: "<b>x</b>", altHtml: "x" }, context);
  assert.deepEqual(state, { text: "x", html: "<b>x</b>" });
  await commands["plugin:clipboard-manager|write_html"]({ html: "<b>y</b>", altText: "y" }, context);
  assert.deepEqual(state, { text: "y", html: "<b>y</b>" });
  await commands["plugin:clipboard-manager|write_html"]({ html: "<b>z</b>" }, context);
  assert.deepEqual(state, { text: "<b>z</b>", html: "<b>z</b>" });
  await commands["plugin:clipboard-manager|clear"](undefined, context);
  await assert.rejects(async () => await commands["plugin:clipboard-manager|read_text"](undefined, context), {
    message: EMPTY,
  });
  assert.throws(
    () => commands["plugin:clipboard-manager|write_text"]({ text: "a", extra: 1 }, context),
    /extra/,
  );
});

Deno.test("clipboard-manager: without a desktop every command says so", async () => {
  const commands = clipboardCommands(undefined);
  await assert.rejects(
    async () => await commands["plugin:clipboard-manager|read_text"](undefined, context),
    /no clipboard/,
  );
  assert.throws(
    () => commands["plugin:clipboard-manager|write_text"]({ text: "a" }, context),
    /no clipboard/,
  );
});
