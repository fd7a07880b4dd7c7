// A small app in a process of its own, for the plugin tests that end or kill the process (process exit and
// relaunch, a kill mid-save): `deno run -A plugin_child.ts <config> <marker file>`. Its one command,
// `mark`, appends this process's pid to the marker file and answers how many lines it now has; the page
// decides the rest. Not imported by webview_test.ts: it runs only as a child.
import { launch } from "../../mod.ts";

const [config, marker] = Deno.args;
if (!config || !marker) throw new Error("usage: plugin_child.ts <config> <marker file>");

const app = await launch({
  config,
  commands: {
    mark: async () => {
      await Deno.writeTextFile(marker, `${Deno.pid}\n`, { append: true });
      return (await Deno.readTextFile(marker)).trim().split("\n").length;
    },
  },
});
await app.closed;
