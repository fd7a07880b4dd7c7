// @tauri-apps/api/menu, unchanged from npm, showing real GTK menus: the window's menu bar (a GtkMenuBar above
// the web view) and context menus (a GtkMenu popped up at a point). The test reads what GTK shows and
// activates items as a click does, through native/menu.ts's test driver (AIRLOCK_TEST_MENUS=1); the items'
// actions run in the page through the Channel it gave. Nothing of the plugin is mocked.
import assert from "node:assert/strict";
import { menuTestDriver, type ShownItem } from "../../native/menu.ts";
import { settle } from "../fixture.ts";
import { launchPluginApp } from "./plugin_app.ts";

const PAGE = `
import * as menu from "@tauri-apps/api/menu";
import { LogicalPosition, PhysicalPosition } from "@tauri-apps/api/dpi";
import { invoke } from "@tauri-apps/api/core";
window.m_ = { ...menu, LogicalPosition, PhysicalPosition, invoke };
window.heard = [];
window.hear = (id) => window.heard.push(id);
`;

function driver() {
  Deno.env.set("AIRLOCK_TEST_MENUS", "1");
  return Object.assign(menuTestDriver(), { off: () => Deno.env.delete("AIRLOCK_TEST_MENUS") });
}

async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let value = await read();
  for (let i = 0; i < 250 && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  if (!done(value)) throw new Error(`${what}: still ${JSON.stringify(value)}`);
  return value;
}

const plain = (items: ShownItem[]): unknown[] =>
  items.map((i) => [i.kind, i.label, i.sensitive, i.checked, ...(i.items.length ? [plain(i.items)] : [])]);

const run = (js: string) =>
  `(async () => { const { Menu, Submenu, MenuItem, CheckMenuItem, PredefinedMenuItem,
  LogicalPosition, PhysicalPosition, invoke } = window.m_; ${js} })()`;

Deno.test("tauri menu: a window menu bar is a real GtkMenuBar above the view; items' actions reach the page", async () => {
  const menus = driver();
  const app = await launchPluginApp(PAGE, []);
  try {
    const title = app.windows()[0].title;
    assert.equal(menus.bar(title), null);
    await app.evaluate(run(`
      const save = await MenuItem.new({ id: "save", text: "&Save", accelerator: "CmdOrCtrl+S", action: hear });
      const wrap = await CheckMenuItem.new({ id: "wrap", text: "Word wrap", checked: true, action: hear });
      const separator = await PredefinedMenuItem.new({ item: "Separator" });
      const file = await Submenu.new({ text: "&File", items: [
        save, separator, { id: "open", text: "Open…", action: hear }, wrap,
        await PredefinedMenuItem.new({ item: "SelectAll" }), await PredefinedMenuItem.new({ item: "Hide" }),
      ] });
      const menu = await Menu.new({ items: [file, { id: "top", text: "Top", enabled: false, action: hear }] });
      window.state = { menu, file, save, wrap, separator };
      return await menu.setAsWindowMenu();
    `));
    // GTK reports {-1, -1, 1, 1} until the first allocation: wait for a real one.
    const shown = await until(
      () => menus.bar(title),
      (b) => (b?.bar.height ?? 0) > 1 && b!.bar.y >= 0,
      "the menu bar",
    );
    // Above the view: the box's first child, at the top, the view right under it, as wide as it.
    assert.equal(shown!.first, true);
    assert.equal(shown!.bar.y, 0);
    assert.equal(shown!.view.y, shown!.bar.height);
    assert.equal(shown!.view.width, shown!.bar.width);
    assert.ok(shown!.view.height > 100);
    assert.deepEqual(plain(shown!.items), [
      ["submenu", "_File", true, null, [
        ["item", "_Save", true, null],
        ["separator", "", true, null],
        ["item", "Open…", true, null],
        ["check", "Word wrap", true, true],
        ["item", "Select _All", true, null],
      ]],
      ["item", "Top", false, null],
    ]);

    // Activating items as a click does: the page's action hears the item's id; a check item toggles.
    const file = () => menus.bar(title)!.items[0].items;
    file()[2].activate();
    file()[3].activate();
    await until(() => app.evaluate(`heard`), (h) => (h as string[]).length === 2, "the actions");
    assert.deepEqual(await app.evaluate(`heard`), ["open", "wrap"]);
    assert.equal(file()[3].checked, false);
    assert.equal(await app.evaluate(`state.wrap.isChecked()`), false);

    // Changes from the page show in GTK; setChecked is no activation.
    await app.evaluate(run(`
      await state.save.setText("Save &As…");
      await state.save.setEnabled(false);
      await state.wrap.setChecked(true);
    `));
    assert.deepEqual(plain([file()[0], file()[3]]), [["item", "Save _As…", false, null], [
      "check",
      "Word wrap",
      true,
      true,
    ]]);
    assert.deepEqual(
      await app.evaluate(run(`return [await state.save.text(), await state.save.isEnabled(),
        await state.wrap.isChecked(), (await state.file.items()).map((i) => i.kind),
        (await state.file.items()).map((i) => i.id).filter((id) => !/^[0-9]+$/.test(id)),
        (await state.menu.get("top"))?.id, await state.menu.get("nope")]`)),
      [
        "Save &As…",
        false,
        true,
        ["MenuItem", "Predefined", "MenuItem", "Check", "Predefined", "Predefined"],
        ["save", "open", "wrap"],
        "top",
        null,
      ],
    );
    assert.equal(await app.evaluate(`heard.length`), 2);

    // Structure: remove, append, insert show in the bar; a disabled item cannot be activated.
    await app.evaluate(run(`
      await state.file.remove(state.separator);
      await state.menu.append({ id: "help", text: "&Help", action: hear });
      await state.file.insert([await MenuItem.new({ id: "new", text: "New", action: hear })], 0);
    `));
    assert.deepEqual(file().map((i) => i.label), ["New", "Save _As…", "Open…", "Word wrap", "Select _All"]);
    assert.deepEqual(menus.bar(title)!.items.map((i) => i.label), ["_File", "Top", "_Help"]);
    file()[0].activate();
    menus.bar(title)!.items[2].activate();
    menus.bar(title)!.items[1].activate(); // insensitive: GTK does not activate it
    await until(() => app.evaluate(`heard.length`), (n) => n === 4, "the new items' actions");
    assert.deepEqual(await app.evaluate(`heard.slice(2)`), ["new", "help"]);

    // Closing a resource lets go of the page's handle; the item stays shown.
    assert.deepEqual(
      await app.evaluate(
        run(`await state.save.close(); return await state.save.text().then(() => "kept", String);`),
      ),
      `no menu resource with id ${await app.evaluate(`state.save.rid`)}`,
    );
    assert.equal(file()[1].label, "Save _As…");

    // Errors as strings: a menu in itself, a bad accelerator, an unknown predefined item.
    assert.match(
      String(await app.evaluate(run(`return await state.file.append(state.file).catch(String)`))),
      /cannot hold itself/,
    );
    assert.match(
      String(
        await app.evaluate(
          run(`return await MenuItem.new({ text: "x", accelerator: "Hyper+Q" }).catch(String)`),
        ),
      ),
      /invalid accelerator "Hyper\+Q"/,
    );

    // The bar goes away with another bar set, and all of it goes with the window.
    await app.evaluate(run(`await (await Menu.new({ items: [{ text: "Only" }] })).setAsWindowMenu()`));
    assert.deepEqual(menus.bar(title)!.items.map((i) => i.label), ["Only"]);
    await app.close();
    assert.equal(menus.live, 0);
  } finally {
    await app.close();
    menus.off();
  }
  assert.throws(() => menuTestDriver(), /AIRLOCK_TEST_MENUS=1/);
});

Deno.test("tauri menu: popup() is a real GTK context menu at the position given, or at the pointer", async () => {
  const menus = driver();
  const app = await launchPluginApp(PAGE, []);
  try {
    const title = app.windows()[0].title;
    await app.evaluate(run(`
      window.context = await Menu.new({ items: [
        { id: "cut", text: "Cut it", action: hear },
        await CheckMenuItem.new({ id: "pin", text: "Pin", checked: false, action: hear }),
      ] });
      await context.popup(new LogicalPosition(40, 50));
    `));
    const shown = await until(() => menus.popup(title), (p) => p?.visible === true, "the context menu");
    assert.deepEqual(shown!.at, { x: 40, y: 50 });
    assert.deepEqual(plain(shown!.items), [["item", "Cut it", true, null], ["check", "Pin", true, false]]);
    shown!.items[1].activate();
    await until(() => app.evaluate(`heard`), (h) => (h as string[]).length === 1, "the action");
    assert.deepEqual(await app.evaluate(`heard`), ["pin"]);
    await until(() => menus.popup(title)?.visible, (v) => v === false, "the menu closing on the click");
    assert.equal(await app.evaluate(`context.items().then((i) => i[1].isChecked())`), true);

    // At the pointer: shown too (wherever Xvfb's pointer is).
    await app.evaluate(run(`await context.popup()`));
    const atPointer = await until(
      () => menus.popup(title),
      (p) => p?.visible === true,
      "the context menu at the pointer",
    );
    assert.deepEqual(atPointer!.at, atPointer!.pointer);
    assert.deepEqual(menus.popup(title)!.items.map((i) => [i.label, i.checked]), [["Cut it", null], [
      "Pin",
      true,
    ]]);
    menus.popup(title)!.items[0].activate();
    await until(() => app.evaluate(`heard.length`), (n) => n === 2, "the second action");
    assert.deepEqual(await app.evaluate(`heard`), ["pin", "cut"]);
  } finally {
    await app.close();
    menus.off();
  }
});

Deno.test("tauri menu under capabilities: the app menu shows in every window; a window without core:menu is refused by the core", async () => {
  const menus = driver();
  const app = await launchPluginApp(PAGE, [], {
    hook: `window.__TAURI_ISOLATION_HOOK__ = (payload) => payload;`,
    config: {
      app: {
        windows: [{ label: "main", title: "Main" }, {
          label: "second",
          title: "Second",
          width: 320,
          height: 240,
        }],
        security: {
          capabilities: [
            { identifier: "base", windows: ["main"], permissions: ["core:default"] },
            { identifier: "other", windows: ["second"], permissions: ["core:window:default"] },
          ],
        },
      },
    },
    launch: { audit: () => {} },
  });
  try {
    await app.evaluate(
      run(`await (await Menu.new({ items: [{ text: "&App", action: hear }] })).setAsAppMenu()`),
    );
    for (const title of ["Main", "Second"]) {
      const bar = await until(() => menus.bar(title), (b) => b !== null, `${title}'s app menu`);
      assert.deepEqual(bar!.items.map((i) => i.label), ["_App"]);
    }
    // Activated in the second window, the action still goes to the page that made the item.
    menus.bar("Second")!.items[0].activate();
    await until(() => app.evaluate(`heard.length`), (n) => n === 1, "the app menu's action");
    assert.equal(await app.window("second")!.evaluate(`heard.length`), 0);

    const second = app.window("second")!;
    for (
      const call of [
        `m_.Menu.new({ items: [] })`,
        `m_.invoke("plugin:menu|set_as_app_menu", { rid: 1 })`,
        `m_.invoke("plugin:menu|popup", { rid: 1, kind: "Menu", window: null, at: null })`,
      ]
    ) {
      const refused = await second.evaluate(settle(call)) as { ok: boolean; error: string };
      assert.equal(refused.ok, false, call);
      assert.match(refused.error, /plugin:menu\|(new|set_as_app_menu|popup) not allowed for window "second"/);
    }
    // Tray icons: granted by core:default, not carried out.
    assert.deepEqual(await app.evaluate(settle(`m_.invoke("plugin:tray|new", { options: {} })`)), {
      ok: false,
      error: "plugin:tray|new: tray icons are not supported yet (Airlock has no StatusNotifierItem yet)",
    });
  } finally {
    for (const window of app.windows()) await window.close();
    menus.off();
  }
});
