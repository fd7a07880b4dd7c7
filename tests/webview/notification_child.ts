// The notification test's app, in a process of its own inside a D-Bus session of the test's
// (tests/webview/notification_service.py runs it): `deno run -A notification_child.ts <config> <result file>`.
// Its one command, `report`, writes what the page found to the result file; the app then closes. Not
// imported by webview_test.ts: it runs only as a child.
import { launch } from "../../mod.ts";

const [config, out] = Deno.args;
if (!config || !out) throw new Error("usage: notification_child.ts <config> <result file>");

let reported: () => void;
const done = new Promise<void>((resolve) => reported = resolve);
const timer = setTimeout(() => {
  console.error("notification_child: the page never reported");
  Deno.exit(2);
}, 60_000);
const app = await launch({
  config,
  commands: {
    report: async ({ result }: { result: unknown }) => {
      await Deno.writeTextFile(out, JSON.stringify(result));
      reported();
      return null;
    },
  },
});
await done;
clearTimeout(timer);
await app.close();
