// @tauri-apps/plugin-process, unchanged from npm, ending a real app process: exit(code) gives the process
// that code; relaunch() starts the same program again (a new pid) and ends this one.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PLUGIN_PACKAGES, pluginBundle, pluginConfig } from "./plugin_app.ts";

const CHILD = fileURLToPath(new URL("./plugin_child.ts", import.meta.url));

// The page marks its run; the first run does what the test asks, a relaunched one exits 3.
const PAGE = `
import { invoke } from "@tauri-apps/api/core";
import { exit, relaunch } from "@tauri-apps/plugin-process";
(async () => {
  const run = await invoke("mark");
  const action = location.hash.slice(1) || document.documentElement.dataset.action;
  if (run > 1) await exit(3);
  else if (action === "relaunch") await relaunch();
  else await exit(Number(action));
})();
`;

/** Starts the child app; the page reads what to do from its index.html. */
async function child(action: string) {
  const bundle = await pluginBundle(PAGE, [PLUGIN_PACKAGES.process]);
  const config = await pluginConfig(bundle, {
    frontend: {
      "index.html":
        `<!doctype html><html data-action="${action}"><meta charset="utf-8"><script src="app.js"></script>`,
    },
  });
  const marker = join(await Deno.makeTempDir({ prefix: "airlock-process-" }), "runs.txt");
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, config, marker],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => process.kill("SIGKILL"), 60_000);
  const status = await process.output();
  clearTimeout(timer);
  return { status, marker, stderr: new TextDecoder().decode(status.stderr) };
}

const pids = async (marker: string) => (await Deno.readTextFile(marker)).trim().split("\n").map(Number);

const alive = (pid: number) => {
  try {
    return !Deno.readTextFileSync(`/proc/${pid}/stat`).includes(") Z ");
  } catch {
    return false;
  }
};

Deno.test("plugin-process: exit(code) ends the app's process with that code", async () => {
  for (const code of [7, 0]) {
    const { status, marker, stderr } = await child(String(code));
    assert.equal(status.code, code, stderr);
    assert.equal((await pids(marker)).length, 1);
  }
});

Deno.test("plugin-process: relaunch() starts the app again in a new process and ends this one", async () => {
  const { status, marker, stderr } = await child("relaunch");
  assert.equal(status.code, 0, stderr);
  // The second run marks itself, then exits with 3 (its own page's choice).
  let runs: number[] = [];
  for (let i = 0; i < 300 && runs.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    runs = await pids(marker);
  }
  assert.equal(runs.length, 2, `the relaunched app never ran: ${stderr}`);
  assert.notEqual(runs[0], runs[1]);
  for (let i = 0; i < 300 && alive(runs[1]); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(runs[1]), false, "the relaunched app did not exit");
});
