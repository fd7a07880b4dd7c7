import assert from "node:assert/strict";
import { onExit } from "../core/plugins/app_state.ts";
import { processCommands } from "../core/plugins/process.ts";
import type { CommandContext } from "../core/router.ts";

const context = {} as CommandContext;

Deno.test("process: exit runs the app's exit hooks first, then exits with the code; a bad code is refused", async () => {
  const app = {};
  const seen: string[] = [];
  onExit(app, async () => {
    await new Promise((r) => setTimeout(r, 10));
    seen.push("saved");
  });
  const commands = processCommands(app, {
    exit: (code) => void seen.push(`exit ${code}`),
    spawnAgain: () => void seen.push("spawn"),
  });
  await commands["plugin:process|exit"]({ code: 7 }, context);
  await commands["plugin:process|exit"](undefined, context);
  await commands["plugin:process|restart"](undefined, context);
  assert.deepEqual(seen, ["saved", "exit 7", "saved", "exit 0", "saved", "spawn", "exit 0"]);
  for (const code of [1.5, "1", 2 ** 31]) {
    await assert.rejects(async () => await commands["plugin:process|exit"]({ code }, context), /args\.code/);
  }
});
