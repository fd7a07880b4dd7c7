// tools/run.sh's probe for the Debian packages it needs: on a machine that has WebKitGTK it must never
// decide that it is missing (`ldconfig -p | grep -q` under pipefail did, about one run in five, when grep
// stopped early and ldconfig got SIGPIPE — and then ran apt-get).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const RUN_SH = fileURLToPath(new URL("../tools/run.sh", import.meta.url));

Deno.test("run.sh: an installed WebKitGTK is found every time", async () => {
  const installed =
    (await new Deno.Command("bash", { args: ["-c", "ldconfig -p"], stdout: "piped" }).output()).stdout;
  if (!new TextDecoder().decode(installed).includes("libwebkit2gtk-4.1.so.0")) {
    throw new Error("this machine has no WebKitGTK 4.1: the webview tests need it (npm test installs it)");
  }
  for (let i = 0; i < 30; i++) {
    const out = await new Deno.Command("bash", {
      args: [RUN_SH, "missing"],
      env: { DISPLAY: ":0" },
      stdout: "piped",
    })
      .output();
    assert.equal(out.code, 0);
    assert.doesNotMatch(
      new TextDecoder().decode(out.stdout),
      /libwebkit2gtk/,
      `run ${i} thought WebKitGTK missing`,
    );
  }
});
