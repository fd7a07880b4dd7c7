// An app in a process of its own whose newest web process is killed before its page has loaded (the page
// calls "early" first): `deno run -A process_end_child.ts <config>`. Prints launch()'s rejection and
// returns, so the process exits by itself only if no window (nor dev's inspector) was left holding the
// loop. Not imported by webview_test.ts: it runs only as a child.
import { launch } from "../../mod.ts";
import { webProcesses } from "../fixture.ts";

const [config] = Deno.args;
if (!config) throw new Error("usage: process_end_child.ts <config>");

// The page calls "early", and its next script keeps the web process busy: the command kills the newest
// web process while the page cannot have finished loading.
let killed = 0;
const early = () => {
  const newest = Math.max(...webProcesses());
  Deno.kill(newest, "SIGKILL");
  killed++;
};
try {
  await launch({ config, commands: { early }, audit: () => {} });
  console.log("launched");
} catch (error) {
  console.log(`rejected (${killed} killed): ${(error as Error).message}`);
}
