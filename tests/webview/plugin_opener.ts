// @tauri-apps/plugin-opener, unchanged from npm, against a fake xdg-open first on PATH that records its
// argv: only what the window's opener scope allows reaches it (Tauri's URL and path scopes, deny wins).
import assert from "node:assert/strict";
import { join } from "node:path";
import { settle } from "../fixture.ts";
import { launchPluginApp, PLUGIN_PACKAGES, underCapabilities } from "./plugin_app.ts";

const PAGE = `import * as opener from "@tauri-apps/plugin-opener"; window.opener_ = opener;`;

/** A fake xdg-open on PATH for the test's duration; returns what it was called with, one call per line. */
export async function fakeOpener() {
  const dir = await Deno.makeTempDir({ prefix: "airlock-opener-" });
  const record = join(dir, "calls.txt");
  await Deno.writeTextFile(join(dir, "xdg-open"), `#!/bin/sh\necho "$*" >> '${record}'\n`, { mode: 0o755 });
  const path = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", `${dir}:${path}`);
  return {
    dir,
    calls: async (count: number) => {
      let text = "";
      for (let i = 0; i < 100; i++) {
        text = await Deno.readTextFile(record).catch(() => "");
        if (text.split("\n").filter(Boolean).length >= count) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      return text.split("\n").filter(Boolean);
    },
    restore: () => Deno.env.set("PATH", path),
  };
}

Deno.test("plugin-opener without capabilities: opener:default's URLs (http, https, mailto, tel), no paths", async () => {
  const fake = await fakeOpener();
  const app = await launchPluginApp(PAGE, [PLUGIN_PACKAGES.opener]);
  try {
    const file = join(fake.dir, "report.txt");
    await Deno.writeTextFile(file, "x");
    const got = await app.evaluate(`(async () => {
      const fail = (p) => p.then(() => "ran", (e) => String(e));
      await opener_.openUrl("https://example.com/a?b=1 2");
      await opener_.openUrl("mailto:ada@example.com");
      await opener_.revealItemInDir(${JSON.stringify(file)});
      return {
        file: await fail(opener_.openUrl("file:///etc/passwd")),
        js: await fail(opener_.openUrl("javascript:alert(1)")),
        withApp: await fail(opener_.openUrl("https://example.com", "firefox")),
        notUrl: await fail(opener_.openUrl("--help")),
        path: await fail(opener_.openPath("/etc/passwd")),
        missing: await fail(opener_.revealItemInDir("/no/such/file")),
      };
    })()`);
    assert.deepEqual(got, {
      file: "Not allowed to open url file:///etc/passwd",
      js: "Not allowed to open url javascript:alert(1)",
      withApp: "Not allowed to open url https://example.com with firefox",
      notUrl: '"--help" is not a URL',
      path: "Not allowed to open path /etc/passwd",
      missing: "cannot reveal /no/such/file: it does not exist",
    });
    assert.deepEqual(
      (await fake.calls(3)).sort(),
      [
        fake.dir,
        "https://example.com/a?b=1 2",
        "mailto:ada@example.com",
      ].sort(),
    );
  } finally {
    await app.close();
    fake.restore();
  }
});

Deno.test("plugin-opener under capabilities: URL and path scopes with deny; a window without the permission is refused by the core", async () => {
  const fake = await fakeOpener();
  const app = await launchPluginApp(
    PAGE,
    [PLUGIN_PACKAGES.opener],
    underCapabilities([
      {
        identifier: "open",
        windows: ["main"],
        permissions: [
          {
            identifier: "opener:allow-open-url",
            allow: [{ url: "https://tauri.app/*" }],
            deny: [{ url: "https://tauri.app/private*" }],
          },
          { identifier: "opener:allow-open-path", allow: [{ path: `${fake.dir}/**` }] },
        ],
      },
    ]),
  );
  try {
    const inside = join(fake.dir, "doc.pdf");
    const got = await app.evaluate(`(async () => {
      const fail = (p) => p.then(() => "ran", (e) => String(e));
      return {
        tauri: await fail(opener_.openUrl("https://tauri.app/v2/")),
        denied: await fail(opener_.openUrl("https://tauri.app/private/x")),
        other: await fail(opener_.openUrl("https://example.com/")),
        inside: await fail(opener_.openPath(${JSON.stringify(inside)})),
        outside: await fail(opener_.openPath("/etc/passwd")),
      };
    })()`);
    assert.deepEqual(got, {
      tauri: "ran",
      denied: "Not allowed to open url https://tauri.app/private/x",
      other: "Not allowed to open url https://example.com/",
      inside: "ran",
      outside: "Not allowed to open path /etc/passwd",
    });
    assert.deepEqual((await fake.calls(2)).sort(), ["https://tauri.app/v2/", inside].sort());
    const second = await app.window("second")!.evaluate(
      settle(`opener_.openUrl("https://tauri.app/v2/")`),
    ) as {
      ok: boolean;
      error: string;
    };
    assert.equal(second.ok, false);
    assert.match(second.error, /plugin:opener\|open_url not allowed for window "second"/);
    assert.equal((await fake.calls(2)).length, 2);
  } finally {
    for (const window of app.windows()) await window.close();
    fake.restore();
  }
});
