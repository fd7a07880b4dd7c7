import assert from "node:assert/strict";
import { join } from "node:path";
import type { AppConfig } from "../core/config.ts";
import type { WindowEvents } from "../core/events.ts";
import { closeAppResource, runExitHooks } from "../core/plugins/app_state.ts";
import { storeCommands } from "../core/plugins/store.ts";
import type { CommandContext } from "../core/router.ts";

Deno.test("store: unsaved changes are saved when the app exits; a closed store's id is gone", async () => {
  const home = await Deno.makeTempDir({ prefix: "airlock-store-unit-" });
  const saved = Deno.env.get("XDG_DATA_HOME");
  Deno.env.set("XDG_DATA_HOME", home);
  try {
    const config = { app: { identifier: "dev.airlock.store-unit" } } as AppConfig;
    const heard: unknown[] = [];
    const events = { broadcast: (event: string, payload: unknown) => void heard.push([event, payload]) };
    const commands = storeCommands(config, events as unknown as WindowEvents);
    const context = {} as CommandContext;
    const rid = await commands["plugin:store|load"](
      { path: "a/b.json", options: { autoSave: false } },
      context,
    );
    await commands["plugin:store|set"]({ rid, key: "k", value: [1, 2] }, context);
    const file = join(home, "dev.airlock.store-unit", "a", "b.json");
    await assert.rejects(() => Deno.stat(file));
    await runExitHooks(config);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(file)), { k: [1, 2] });
    assert.deepEqual(heard, [["store://change", {
      path: file,
      resourceId: rid,
      key: "k",
      value: [1, 2],
      exists: true,
    }]]);
    assert.equal(await closeAppResource(config, rid), true);
    assert.throws(() => commands["plugin:store|keys"]({ rid }, context), /resource id \d+ is invalid/);
    assert.equal(commands["plugin:store|get_store"]({ path: "a/b.json" }, context), null);
  } finally {
    if (saved === undefined) Deno.env.delete("XDG_DATA_HOME");
    else Deno.env.set("XDG_DATA_HOME", saved);
    await Deno.remove(home, { recursive: true });
  }
});
