// The dialog plugin's commands over dialogs of the test's own (the real GTK ones are tested in
// tests/webview/plugin_dialog.ts): Tauri's button sets and answers, the 2.0 package's ask/confirm,
// defaultPath, the open limit, no desktop.
import assert from "node:assert/strict";
import { dialogCommands, type Dialogs } from "../core/plugins/dialog.ts";
import type { CommandContext } from "../core/router.ts";

const context = {} as CommandContext;

/** Dialogs that record what was asked and answer with `pick(buttons)` (an index) or `paths`. */
function fake(pick: (buttons: string[]) => number, paths: string[] | null = null) {
  const asked: unknown[] = [];
  const dialogs: Dialogs = {
    message: (spec) => (asked.push(spec), Promise.resolve(pick(spec.buttons))),
    choose: (spec) => (asked.push(spec), Promise.resolve(paths)),
  };
  return { asked, commands: dialogCommands(dialogs) };
}

Deno.test("dialog: Tauri's buttons in GTK's order and the answers they give", async () => {
  const last = fake((buttons) => buttons.length - 1);
  const run = (args: unknown) => last.commands["plugin:dialog|message"](args, context);
  assert.equal(await run({ message: "m" }), "Ok");
  assert.equal(await run({ message: "m", buttons: "YesNo" }), "Yes");
  assert.equal(await run({ message: "m", buttons: "YesNoCancel" }), "Yes");
  assert.equal(await run({ message: "m", buttons: { OkCancelCustom: ["Save_it", "Back"] } }), "Save_it");
  assert.equal(await run({ message: "m", okButtonLabel: "Fine" }), "Fine");
  assert.deepEqual((last.asked[3] as { buttons: string[] }).buttons, ["Back", "Save__it"]);
  const closed = fake(() => -1);
  assert.equal(
    await closed.commands["plugin:dialog|message"]({ message: "m", buttons: "OkCancel" }, context),
    "Cancel",
  );
  assert.equal(await closed.commands["plugin:dialog|ask"]({ message: "m" }, context), false);
  assert.equal(
    await last.commands["plugin:dialog|confirm"]({ message: "m", okButtonLabel: "Go" }, context),
    true,
  );
  await assert.rejects(async () => await run({ message: "m", kind: "fatal" }), /args\.kind/);
  await assert.rejects(async () => await run({ message: "m", buttons: "Maybe" }), /args\.buttons/);
});

Deno.test("dialog: open and save shapes, defaultPath, unknown options ignored as serde does", async () => {
  const dir = await Deno.makeTempDir();
  const many = fake(() => 0, ["/a", "/b"]);
  assert.deepEqual(
    await many.commands["plugin:dialog|open"]({
      options: { multiple: true, defaultPath: dir, pickerMode: "image" },
    }, context),
    ["/a", "/b"],
  );
  assert.equal(await many.commands["plugin:dialog|open"]({ options: { directory: true } }, context), "/a");
  assert.equal(
    await many.commands["plugin:dialog|save"]({ options: { defaultPath: `${dir}/new.md` } }, context),
    "/a",
  );
  assert.deepEqual(
    many.asked.map((spec) => {
      const { action, folder, fileName, multiple } = spec as Record<string, unknown>;
      return { action, folder, fileName, multiple };
    }),
    [
      { action: "open", folder: dir, fileName: undefined, multiple: true },
      { action: "folder", folder: undefined, fileName: undefined, multiple: false },
      { action: "save", folder: dir, fileName: "new.md", multiple: false },
    ],
  );
  assert.equal(await fake(() => 0, null).commands["plugin:dialog|save"]({}, context), null);
  await Deno.remove(dir);
});

Deno.test("dialog: at most four open at once per window; without a desktop it says so", async () => {
  const waiting: (() => void)[] = [];
  const commands = dialogCommands({
    message: () => new Promise((resolve) => waiting.push(() => resolve(0))),
    choose: () => Promise.resolve(null),
  });
  const open = [1, 2, 3, 4].map(() => commands["plugin:dialog|message"]({ message: "m" }, context));
  await assert.rejects(
    async () => await commands["plugin:dialog|message"]({ message: "m" }, context),
    /too many dialogs/,
  );
  waiting.forEach((answer) => answer());
  assert.deepEqual(await Promise.all(open), ["Ok", "Ok", "Ok", "Ok"]);
  await assert.rejects(
    async () => await dialogCommands(undefined)["plugin:dialog|open"]({}, context),
    /no dialogs: this app runs without a desktop/,
  );
});
