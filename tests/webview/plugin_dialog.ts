// @tauri-apps/plugin-dialog, unchanged from npm, showing real GTK dialogs: the test answers them as a user
// would, through native/dialog.ts's test driver (AIRLOCK_TEST_DIALOGS=1), which reads what GTK shows and
// clicks the dialog's real buttons or selects files in the real chooser. Nothing of the plugin is mocked.
import assert from "node:assert/strict";
import { join } from "node:path";
import { dialogTestDriver, type OpenDialog } from "../../native/dialog.ts";
import { settle } from "../fixture.ts";
import { launchPluginApp, PLUGIN_PACKAGES, underCapabilities } from "./plugin_app.ts";

const PAGE = `import * as dialog from "@tauri-apps/plugin-dialog"; window.dialog_ = dialog;`;

/** The driver, switched on for the test's duration. */
function driver() {
  Deno.env.set("AIRLOCK_TEST_DIALOGS", "1");
  return Object.assign(dialogTestDriver(), { off: () => Deno.env.delete("AIRLOCK_TEST_DIALOGS") });
}

/** An evaluate() the test awaits later: if the test fails first, its rejection is not an uncaught one. */
function later(app: { evaluate(js: string): Promise<unknown> }, js: string): Promise<unknown> {
  const answer = app.evaluate(js);
  answer.catch(() => {});
  return answer;
}

const seen = (d: OpenDialog) => ({
  kind: d.kind,
  title: d.title,
  text: d.text,
  messageType: d.messageType,
  buttons: d.buttons,
  modal: d.modal,
});

Deno.test("plugin-dialog: message, ask and confirm are real GTK message dialogs, modal to the window, with Tauri's answers", async () => {
  const dialogs = driver();
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.dialog]);
  try {
    const windowTitle = app.windows()[0].title;
    // message(): one OK button; its answer is "Ok".
    let answer = later(app, `dialog_.message("Saved ✓", { title: "Notes", kind: "warning" })`);
    let shown = await dialogs.next();
    assert.deepEqual(seen(shown), {
      kind: "message",
      title: "Notes",
      text: "Saved ✓",
      messageType: "warning",
      buttons: ["_OK"],
      modal: true,
    });
    assert.equal(shown.parentTitle, windowTitle);
    shown.click("OK");
    assert.equal(await answer, "Ok");

    // ask(): Yes/No, true for Yes; closing it (Escape, the window manager) is No.
    answer = later(app, `dialog_.ask("Delete it?", "Confirm")`);
    shown = await dialogs.next();
    assert.deepEqual([shown.title, shown.text, shown.buttons], ["Confirm", "Delete it?", ["_No", "_Yes"]]);
    shown.click("Yes");
    assert.equal(await answer, true);
    answer = later(app, `dialog_.ask("Delete it?")`);
    (await dialogs.next()).close();
    assert.equal(await answer, false);

    // confirm() with the app's labels (shown as they are, underscores too), kind error.
    answer = later(
      app,
      `dialog_.confirm("Overwrite?", { kind: "error", okLabel: "Over_write", cancelLabel: "Keep" })`,
    );
    shown = await dialogs.next();
    assert.deepEqual([shown.messageType, shown.buttons], ["error", ["Keep", "Over__write"]]);
    shown.click("Keep");
    assert.equal(await answer, false);

    // message() with Tauri's button sets: the answer names the button.
    answer = later(
      app,
      `dialog_.message("Save changes?", { buttons: { yes: "Save", no: "Discard", cancel: "Back" } })`,
    );
    shown = await dialogs.next();
    assert.deepEqual(shown.buttons, ["Back", "Discard", "Save"]);
    shown.click("Discard");
    assert.equal(await answer, "Discard");
    answer = later(app, `dialog_.message("Go on?", { buttons: "OkCancel" })`);
    (await dialogs.next()).click("Cancel");
    assert.equal(await answer, "Cancel");
    assert.equal(dialogs.open, 0);
  } finally {
    await app.close();
    dialogs.off();
  }
});

Deno.test("plugin-dialog: open and save are real GTK file choosers (filters, defaultPath, multiple, directory)", async () => {
  const dialogs = driver();
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "airlock-dialog-" }));
  for (const name of ["a.txt", "b.txt", "c.png"]) await Deno.writeTextFile(join(dir, name), name);
  await Deno.mkdir(join(dir, "sub"));
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.dialog]);
  try {
    // A chooser that takes several files (the driver picks one: a list of one), from a folder, with filters.
    let answer = later(
      app,
      `dialog_.open({
      title: "Pick notes", multiple: true, defaultPath: ${JSON.stringify(dir)},
      filters: [{ name: "Text", extensions: ["txt", "md"] }, { name: "Images", extensions: ["png"] }],
    })`,
    );
    let shown = await dialogs.next();
    assert.deepEqual(
      [shown.kind, shown.title, shown.multiple, shown.folder, shown.filters, shown.buttons, shown.modal],
      ["open", "Pick notes", true, dir, ["Text", "Images"], ["_Cancel", "_Open"], true],
    );
    assert.equal(shown.parentTitle, app.windows()[0].title);
    await shown.choose([join(dir, "b.txt")]);
    assert.deepEqual(await answer, [join(dir, "b.txt")]);

    // One file: a string; the default path's file is selected at start.
    answer = later(app, `dialog_.open({ defaultPath: ${JSON.stringify(join(dir, "c.png"))} })`);
    shown = await dialogs.next();
    assert.deepEqual([shown.kind, shown.multiple, shown.folder], ["open", false, dir]);
    await shown.choose([join(dir, "c.png")]);
    assert.equal(await answer, join(dir, "c.png"));

    // A folder.
    answer = later(app, `dialog_.open({ directory: true, defaultPath: ${JSON.stringify(dir)} })`);
    shown = await dialogs.next();
    assert.deepEqual([shown.kind, shown.buttons], ["folder", ["_Cancel", "_Select"]]);
    await shown.choose([join(dir, "sub")]);
    assert.equal(await answer, join(dir, "sub"));

    // Save: the proposed name and folder from defaultPath (a file that does not exist yet).
    answer = later(
      app,
      `dialog_.save({ defaultPath: ${JSON.stringify(join(dir, "new.md"))}, canCreateDirectories: false })`,
    );
    shown = await dialogs.next();
    assert.deepEqual(
      [shown.kind, shown.folder, shown.name, shown.canCreateDirectories, shown.buttons],
      ["save", dir, "new.md", false, ["_Cancel", "_Save"]],
    );
    await shown.choose([join(dir, "sub", "report.md")]);
    assert.equal(await answer, join(dir, "sub", "report.md"));

    // Cancelled: null.
    answer = later(app, `dialog_.save()`);
    (await dialogs.next()).click("Cancel");
    assert.equal(await answer, null);
    answer = later(app, `dialog_.open({ multiple: true })`);
    (await dialogs.next()).close();
    assert.equal(await answer, null);
  } finally {
    await app.close();
    dialogs.off();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("plugin-dialog: a window's dialogs go with it; at most four at once; the driver is off without its switch", async () => {
  const dialogs = driver();
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.dialog]);
  try {
    const four = app.evaluate(`Promise.all([1, 2, 3, 4].map((i) => dialog_.message("m" + i)))`);
    four.catch(() => {}); // the window closes under it
    for (let i = 0; i < 4; i++) await dialogs.next();
    assert.equal(dialogs.open, 4);
    assert.deepEqual(await app.evaluate(settle(`dialog_.message("m5")`)), {
      ok: false,
      error: "too many dialogs open in this window (4)",
    });
    // The window closing takes its dialogs with it.
    await app.close();
    for (let i = 0; i < 50 && dialogs.open > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(dialogs.open, 0);
  } finally {
    await app.close();
    dialogs.off();
  }
  assert.throws(() => dialogTestDriver(), /AIRLOCK_TEST_DIALOGS=1/);
});

Deno.test("plugin-dialog under capabilities: dialog:default grants all; a window without it is refused by the core", async () => {
  const dialogs = driver();
  const app = await launchPluginApp(
    PAGE,
    [PLUGIN_PACKAGES.dialog],
    underCapabilities([
      { identifier: "dialogs", windows: ["main"], permissions: ["dialog:default"] },
    ]),
  );
  try {
    const answer = later(app, `dialog_.confirm("Go?")`);
    (await dialogs.next()).click("OK");
    assert.equal(await answer, true);
    for (const call of [`dialog_.message("hi")`, `dialog_.open()`, `dialog_.save()`]) {
      const refused = await app.window("second")!.evaluate(settle(call)) as { ok: boolean; error: string };
      assert.equal(refused.ok, false, call);
      assert.match(refused.error, /plugin:dialog\|(message|open|save) not allowed for window "second"/);
    }
    assert.equal(dialogs.open, 0);
  } finally {
    for (const window of app.windows()) await window.close();
    dialogs.off();
  }
});
