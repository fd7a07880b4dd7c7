// An app in a process of its own whose page closes its only window while window calls are still on their
// way (large ones, POSTed and opened asynchronously, so some finish after GTK destroyed the window):
// `deno run -A destroy_child.ts <config>`. Exits 0 once the window has closed; a call that reached freed
// GTK memory would end it with a signal. Not imported by webview_test.ts: it runs only as a child.
import { launch } from "../../mod.ts";

const [config] = Deno.args;
if (!config) throw new Error("usage: destroy_child.ts <config>");

const app = await launch({ config, commands: {}, audit: () => {} });
const invoke = "window.__TAURI__.core.invoke";
await app.evaluate(`${invoke}("plugin:window|title", {})`);
await app.evaluate(`(() => {
  const pad = "x".repeat(100000); // a large call: sealed as bytes, POSTed, opened asynchronously
  const call = (cmd) => ${invoke}("plugin:window|" + cmd, { pad }).catch(() => {});
  setTimeout(() => {
    for (let i = 0; i < 20; i++) { call("hide"); call("show"); call("is_visible"); call("center"); call("maximize"); }
    ${invoke}("plugin:window|destroy", {}).catch(() => {});
    for (let i = 0; i < 20; i++) { call("hide"); call("set_focus"); call("inner_size"); }
  }, 0);
  return true;
})()`);
await app.closed;
console.log("closed");
