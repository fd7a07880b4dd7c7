// @tauri-apps/plugin-store, unchanged from npm: stores as JSON files in the app's data folder, shared by
// the app's windows, change events, autosave; and a real child process killed mid-save loses nothing.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { appDataDir } from "../../core/fs.ts";
import { settle } from "../fixture.ts";
import { launchPluginApp, PLUGIN_PACKAGES, pluginBundle, pluginConfig } from "./plugin_app.ts";

const PAGE = `
import { invoke } from "@tauri-apps/api/core";
import { load, getStore, LazyStore } from "@tauri-apps/plugin-store";
window.storeApi = { invoke, load, getStore, LazyStore };
`;

/** A fresh identifier, so each test has a data folder of its own (removed after). */
function identity() {
  const identifier = `dev.airlock.test.store-${crypto.randomUUID().slice(0, 8)}`;
  return { identifier, dir: appDataDir(identifier) };
}

const readJson = async (file: string) => JSON.parse(await Deno.readTextFile(file));

Deno.test("plugin-store: load, set/get/has/delete, keys/values/entries/length, clear/reset, save and reload on a real file", async () => {
  const { identifier, dir } = identity();
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.store], { config: { identifier } });
  try {
    const got = await app.evaluate(`(async () => {
      const { load, getStore } = storeApi;
      const store = await load("settings.json", { defaults: { theme: "light" }, autoSave: false });
      const out = { sameRid: (await load("settings.json")).rid === store.rid, found: (await getStore("settings.json")).rid === store.rid };
      out.missing = await getStore("other.json");
      out.theme = await store.get("theme");
      await store.set("volume", 7);
      await store.set("user", { name: "Ada", tags: ["a", "b"] });
      out.user = await store.get("user");
      out.nothing = (await store.get("nope")) === undefined;
      out.has = [await store.has("volume"), await store.has("nope")];
      out.deleted = [await store.delete("volume"), await store.delete("volume")];
      out.keys = await store.keys();
      out.values = await store.values();
      out.entries = await store.entries();
      out.length = await store.length();
      await store.save();
      await store.set("unsaved", true);
      await store.reset();
      out.afterReset = await store.entries();
      await store.reload();
      out.afterReload = await store.entries();
      await store.clear();
      out.afterClear = await store.length();
      await store.close();
      out.closed = [await getStore("settings.json"), await store.keys().catch((e) => String(e).replace(/\\d+/, "N"))];
      return out;
    })()`);
    assert.deepEqual(got, {
      sameRid: true,
      found: true,
      missing: null,
      theme: "light",
      user: { name: "Ada", tags: ["a", "b"] },
      nothing: true,
      has: [true, false],
      deleted: [true, false],
      keys: ["theme", "user"],
      values: ["light", { name: "Ada", tags: ["a", "b"] }],
      entries: [["theme", "light"], ["user", { name: "Ada", tags: ["a", "b"] }]],
      length: 2,
      afterReset: [["theme", "light"]],
      afterReload: [["theme", "light"], ["user", { name: "Ada", tags: ["a", "b"] }]],
      afterClear: 0,
      closed: [null, "resource id N is invalid"],
    });
    assert.deepEqual(await readJson(join(dir, "settings.json")), {
      theme: "light",
      user: { name: "Ada", tags: ["a", "b"] },
    });
    // A file changed outside the app: reload sees it (ignoreDefaults drops the defaults not in it).
    await Deno.writeTextFile(join(dir, "settings.json"), JSON.stringify({ fromDisk: 1 }));
    assert.deepEqual(
      await app.evaluate(`(async () => {
        const store = await storeApi.load("settings.json", { defaults: { theme: "light" }, autoSave: false });
        await store.reload();
        const withDefaults = await store.entries();
        await store.reload({ ignoreDefaults: true });
        return [withDefaults, await store.entries()];
      })()`),
      [[["theme", "light"], ["fromDisk", 1]], [["fromDisk", 1]]],
    );
    // Paths stay in the data folder; bad calls are refused with the reason.
    assert.deepEqual(await app.evaluate(settle(`storeApi.load("../escape.json")`)), {
      ok: false,
      error: 'store path "../escape.json" must stay inside the app\'s data folder',
    });
    assert.deepEqual(await app.evaluate(settle(`storeApi.load("/etc/passwd")`)), {
      ok: false,
      error: 'store path "/etc/passwd" must stay inside the app\'s data folder',
    });
    assert.deepEqual(
      await app.evaluate(settle(`storeApi.invoke("plugin:store|get", { rid: 12345, key: "x" })`)),
      { ok: false, error: "resource id 12345 is invalid" },
    );
    await Deno.writeTextFile(join(dir, "broken.json"), "{ not json");
    const broken = await app.evaluate(settle(`storeApi.load("broken.json")`)) as { error: string };
    assert.match(broken.error, /^store broken\.json is not valid JSON: /);
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("plugin-store: autosave, and onKeyChange/onChange heard in every window of the app", async () => {
  const { identifier, dir } = identity();
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.store], { config: { identifier } });
  try {
    const second = await app.openWindow({ label: "second" });
    await second.evaluate(`(async () => {
      const store = await storeApi.load("shared.json");
      window.heard = [];
      await store.onKeyChange("count", (value) => heard.push(["count", value]));
      await store.onChange((key, value) => heard.push(["any", key, value]));
    })()`);
    await app.evaluate(`(async () => {
      const store = new storeApi.LazyStore("shared.json");
      await store.set("count", 1);
      await store.set("other", "x");
      await store.delete("count");
    })()`);
    // Autosave: no save() called, yet the file holds the last state after the debounce.
    let saved: unknown = null;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 50));
      saved = await readJson(join(dir, "shared.json")).catch(() => null);
      if (saved && !("count" in (saved as object))) break;
    }
    assert.deepEqual(saved, { other: "x" });
    assert.deepEqual(await second.evaluate(`heard`), [
      ["count", 1],
      ["any", "count", 1],
      ["any", "other", "x"],
      ["count", null],
      ["any", "count", null],
    ]);
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

const CHILD = fileURLToPath(new URL("./plugin_child.ts", import.meta.url));

// Saves as fast as it can, a value and a 256 KiB blob that must agree; each confirmed save is marked.
const SAVER = `
import { invoke } from "@tauri-apps/api/core";
import { load } from "@tauri-apps/plugin-store";
(async () => {
  const store = await load("data.json", { autoSave: false });
  for (let i = ((await store.get("count")) ?? 0) + 1; ; i++) {
    await store.set("count", i);
    await store.set("blob", String(i).padEnd(256 * 1024, "x"));
    await store.save();
    await invoke("mark");
  }
})();
`;

Deno.test("plugin-store: a process killed mid-save loses nothing (the last saved file stays whole)", async () => {
  const { identifier, dir } = identity();
  const config = await pluginConfig(await pluginBundle(SAVER, [PLUGIN_PACKAGES.store]), {
    config: { identifier },
  });
  const marker = join(await Deno.makeTempDir({ prefix: "airlock-store-kill-" }), "saves.txt");
  try {
    let lastCount = 0;
    for (let round = 0; round < 4; round++) {
      await Deno.writeTextFile(marker, "");
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, config, marker],
        stdout: "null",
        stderr: "null",
      }).spawn();
      // Let it save a few times, then kill it at an arbitrary moment.
      for (let i = 0; i < 600; i++) {
        await new Promise((r) => setTimeout(r, 50));
        if ((await Deno.readTextFile(marker)).split("\n").length > 3 + round) break;
      }
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      child.kill("SIGKILL");
      await child.status;
      const confirmed = (await Deno.readTextFile(marker)).trim().split("\n").filter(Boolean).length;
      assert.ok(confirmed > 0, "the child never saved");
      const data = await readJson(join(dir, "data.json"));
      // Whole: both keys from one save; nothing confirmed is lost.
      assert.equal(data.blob, String(data.count).padEnd(256 * 1024, "x"));
      assert.ok(data.count >= lastCount + confirmed, `${data.count} < ${lastCount} + ${confirmed}`);
      lastCount = data.count;
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
