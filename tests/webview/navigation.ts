// Where a window may go: the app stays in its window. Links, location changes and window.open to other
// origins are refused before any request leaves (a real local server counts the hits), with an audit
// line naming the origin only; pages of the app itself load, and open in app windows when allowed.
import assert from "node:assert/strict";
import { type AuditEntry, launch } from "../../mod.ts";
import { makeApp } from "../fixture.ts";
import { fakeOpener } from "./plugin_opener.ts";

const PAGE = `<!doctype html><meta charset="utf-8"><title>home</title><p id="where">home</p>`;

/** The app under test; `capabilities`: its inline capabilities (none: no capability checks, so the
 * opener's default rules open web links — tests that do so put a fake xdg-open on PATH first). */
async function navigationApp(airlock: Record<string, unknown> = {}, capabilities?: unknown[]) {
  let hits = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, () => {
    hits++;
    return new Response("<title>outside</title>outside", { headers: { "content-type": "text/html" } });
  });
  const config = await makeApp({
    frontend: { "index.html": PAGE, "second.html": `<!doctype html><title>second</title>` },
    airlock,
  });
  if (capabilities) {
    const raw = JSON.parse(await Deno.readTextFile(config));
    raw.app = { security: { capabilities } };
    await Deno.writeTextFile(config, JSON.stringify(raw));
  }
  const audit: AuditEntry[] = [];
  const app = await launch({ config, commands: { ping: () => "pong" }, audit: (entry) => audit.push(entry) });
  const outside = `http://127.0.0.1:${server.addr.port}`;
  return {
    app,
    audit,
    outside,
    hits: () => hits,
    async close() {
      for (const window of app.windows()) await window.close();
      await server.shutdown();
    },
  };
}

const settleFor = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A window that may do what core:default grants, and not use the opener. */
const NO_OPENER = [{ identifier: "c", windows: ["*"], permissions: ["core:default"] }];

Deno.test("navigation: a link, location and window.open to another origin do not replace the app", async () => {
  const t = await navigationApp({}, NO_OPENER);
  try {
    await t.app.evaluate(`(() => {
      const a = document.createElement("a");
      a.href = ${JSON.stringify(`${t.outside}/secret-path?token=abc`)};
      a.textContent = "out";
      document.body.appendChild(a);
      a.click();
    })()`);
    await settleFor(300);
    await t.app.evaluate(`location.href = ${JSON.stringify(`${t.outside}/by-location`)}; 1`);
    await settleFor(300);
    const opened = await t.app.evaluate(`window.open(${JSON.stringify(`${t.outside}/popup`)}) === null`);
    await settleFor(300);
    assert.equal(opened, true);
    assert.equal(await t.app.evaluate(`location.href`), "app://localhost/index.html");
    assert.equal(await t.app.evaluate(`document.getElementById("where").textContent`), "home");
    assert.equal(await t.app.evaluate(`window.__TAURI__.core.invoke("ping")`), "pong");
    assert.equal(t.hits(), 0, "no request reached the outside server");
    assert.equal(t.app.windows().length, 1);
    // Each became the page's invoke of the opener, which this window may not use: refused by the core.
    const reasons = t.audit.map((entry) => entry.reason);
    assert.equal(
      t.audit.filter((entry) => entry.cmd === "plugin:opener|open_url").length,
      3,
      reasons.join("\n"),
    );
    assert.ok(
      reasons.every((r) => !r.includes("secret-path") && !r.includes("token")),
      "the audit line has no path or query",
    );
  } finally {
    await t.close();
  }
});

Deno.test("navigation: the app's own pages load in its window; other schemes are refused", async () => {
  const t = await navigationApp();
  try {
    await t.app.evaluate(`location.href = "second.html"; 1`);
    for (let i = 0; i < 50 && await t.app.evaluate(`document.title`).catch(() => "") !== "second"; i++) {
      await settleFor(50);
    }
    assert.equal(await t.app.evaluate(`document.title`), "second");
    assert.equal(await t.app.evaluate(`window.__TAURI__.core.invoke("ping")`), "pong");
    await t.app.evaluate(`location.href = "file:///etc/passwd"; 1`);
    await t.app.evaluate(`location.href = "data:text/html,<title>data</title>"; 1`);
    await settleFor(300);
    assert.equal(await t.app.evaluate(`location.href`), "app://localhost/second.html");
    const reasons = t.audit.map((entry) => entry.reason);
    // WebKit refuses file: from app:// itself; data: reaches the core's check.
    assert.ok(
      reasons.includes("navigation to data: refused: data: is not a scheme a window may go to"),
      reasons.join("\n"),
    );
  } finally {
    await t.close();
  }
});

Deno.test("navigation: target=_blank to an app page opens an app window only when pages may open windows", async () => {
  const refused = await navigationApp();
  try {
    await refused.app.evaluate(`window.open("second.html"); 1`);
    await settleFor(300);
    assert.equal(refused.app.windows().length, 1);
    assert.match(
      refused.audit.at(-1)!.reason,
      /^a new window for an app page refused: pages may open windows only with/,
    );
  } finally {
    await refused.close();
  }
  const allowed = await navigationApp({ allowPageWindows: true });
  try {
    await allowed.app.evaluate(`(() => {
      const a = document.createElement("a");
      a.href = "second.html";
      a.target = "_blank";
      document.body.appendChild(a);
      a.click();
    })()`);
    for (let i = 0; i < 100 && allowed.app.windows().length < 2; i++) await settleFor(50);
    const [, popup] = allowed.app.windows();
    assert.ok(popup, "an app window opened");
    assert.equal(popup.label, "main-1");
    for (let i = 0; i < 50 && await popup.evaluate(`document.title`).catch(() => "") !== "second"; i++) {
      await settleFor(50);
    }
    assert.equal(await popup.evaluate(`document.title`), "second");
    assert.equal(await popup.evaluate(`window.__TAURI__.core.invoke("ping")`), "pong");
  } finally {
    await allowed.close();
  }
});

Deno.test("navigation: window.open in a loop opens at most the window limit, and the audit stays a few lines a second", async () => {
  const t = await navigationApp({ allowPageWindows: true }, [
    {
      identifier: "c",
      windows: ["*"],
      permissions: ["core:default", "core:webview:allow-create-webview-window"],
    },
  ]);
  try {
    await t.app.evaluate(
      `(() => { for (let i = 0; i < 40; i++) window.open("second.html?secret=" + i); })()`,
    );
    for (let i = 0; i < 100 && t.app.windows().length < 16; i++) await settleFor(50);
    await settleFor(500);
    assert.equal(t.app.windows().length, 16);
    await t.app.evaluate(
      `(() => { for (let i = 0; i < 1000; i++) location.href = "https://example.com/" + i; })()`,
    );
    await settleFor(300);
    assert.ok(t.audit.length < 30, `${t.audit.length} audit lines`);
    assert.ok(t.audit.every((entry) => !entry.reason.includes("secret")), "no path or query in the audit");
  } finally {
    await t.close();
  }
});

Deno.test("navigation: a user's link to a web site opens in the system browser when the window may use the opener", async () => {
  const fake = await fakeOpener();
  const click = (t: { app: { evaluate(js: string): Promise<unknown> } }, url: string) =>
    t.app.evaluate(`(() => {
      const a = document.createElement("a");
      a.href = ${JSON.stringify(url)};
      document.body.appendChild(a);
      a.click();
    })()`);
  // No capabilities: the opener's default rules (web links, mail, phone).
  const open = await navigationApp();
  try {
    await click(open, "https://example.com/docs?page=2");
    assert.deepEqual(await fake.calls(1), ["https://example.com/docs?page=2"]);
    assert.equal(await open.app.evaluate(`location.href`), "app://localhost/index.html");
  } finally {
    await open.close();
  }
  // Capabilities without the opener: dropped, with the reason on the audit line.
  const config = await makeApp({ frontend: { "index.html": PAGE } });
  const raw = JSON.parse(await Deno.readTextFile(config));
  raw.app = {
    security: { capabilities: [{ identifier: "c", windows: ["main"], permissions: ["core:default"] }] },
  };
  await Deno.writeTextFile(config, JSON.stringify(raw));
  const audit: AuditEntry[] = [];
  const closed = await launch({ config, audit: (entry) => audit.push(entry) });
  try {
    await click({ app: closed }, "https://example.com/other");
    for (let i = 0; i < 40 && !audit.length; i++) await settleFor(50);
    // The link became the page's invoke of plugin:opener|open_url, refused by the core's capability check.
    assert.equal(audit[0]?.cmd, "plugin:opener|open_url");
    assert.match(audit[0]?.reason ?? "", /^plugin:opener\|open_url not allowed for window "main"/);
    assert.equal((await fake.calls(1)).length, 1, "nothing more was opened");
  } finally {
    await closed.close();
  }
  // The isolation hook sees the link as that invoke, and may refuse it; and one click opens a couple at most.
  const guarded = await makeApp({
    frontend: { "index.html": PAGE },
    hook: `window.__TAURI_ISOLATION_HOOK__ = (p) => {
      if (p.cmd === "plugin:opener|open_url" && !p.payload.url.startsWith("https://docs.example/")) {
        throw new Error("only the docs");
      }
      return p;
    };`,
  });
  const hooked = await launch({ config: guarded, audit: () => {} });
  try {
    await click({ app: hooked }, "https://evil.example/?stolen=1");
    await hooked.evaluate(
      `(() => { for (let i = 0; i < 50; i++) window.open("https://docs.example/" + i); })()`,
    );
    await settleFor(500);
    // The refused link spent one of the window's two opens this second; the loop got the other.
    assert.deepEqual(await fake.calls(3), ["https://example.com/docs?page=2", "https://docs.example/0"]);
  } finally {
    await hooked.close();
    fake.restore();
  }
});
