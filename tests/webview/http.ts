// The core's HTTP API end to end: page → hook → seal → core fetch → a real loopback server → page.
import assert from "node:assert/strict";
import { launch } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";

/** A loopback server that answers with what it received. */
function echoServer() {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/bytes") return new Response(new Uint8Array([0, 1, 2, 253, 254, 255]));
    return Response.json({
      method: request.method,
      path: url.pathname,
      origin: request.headers.get("origin"),
      cookie: request.headers.get("cookie"),
      body: await request.text(),
    });
  });
  return { server, base: `http://127.0.0.1:${server.addr.port}` };
}

// The seed's Origin check, as the demo's isolation app does it.
const ORIGIN_HOOK = `window.__TAURI_ISOLATION_HOOK__ = (m) => {
  const origin = m.payload && m.payload.headers && (m.payload.headers.Origin || m.payload.headers.origin);
  if (m.cmd === "plugin:http|fetch" && origin !== undefined && origin !== "app://localhost") {
    throw new Error("Origin header " + origin + " is not this app's");
  }
  return m;
};`;

Deno.test("http: allowed, refused by the hook, refused by the core's allow-list, Origin enforced by the core", async () => {
  const { server, base } = echoServer();
  const allow = { allow: [`${base}/api/*`, `${base}/bytes`] };
  const guarded = await launch({ config: await makeApp({ hook: ORIGIN_HOOK, airlock: { http: allow } }) });
  const open = await launch({ config: await makeApp({ airlock: { http: allow } }), label: "no-hook-checks" });
  try {
    const fetchJs = (url: string, init = "{}") =>
      settle(`window.airlock.http.fetch(${JSON.stringify(url)}, { responseType: "json", ...${init} })`);
    // Allowed.
    const ok = await guarded.evaluate(fetchJs(`${base}/api/hello`, `{ method: "POST", body: "hi" }`)) as {
      value: { status: number; body: Record<string, unknown> };
    };
    assert.equal(ok.value.status, 200);
    assert.deepEqual(ok.value.body, {
      method: "POST",
      path: "/api/hello",
      origin: "app://localhost",
      cookie: null,
      body: "hi",
    });
    // Bytes come back as bytes.
    const bytes = await guarded.evaluate(
      `window.airlock.http.fetch(${JSON.stringify(`${base}/bytes`)}, { responseType: "bytes" })
      .then((r) => ({ isBytes: r.body instanceof Uint8Array, body: Array.from(r.body) }))`,
    );
    assert.deepEqual(bytes, { isBytes: true, body: [0, 1, 2, 253, 254, 255] });
    // Refused by the hook: a foreign Origin header.
    assert.deepEqual(
      await guarded.evaluate(fetchJs(`${base}/api/x`, `{ headers: { Origin: "https://evil.example" } }`)),
      {
        ok: false,
        error: "isolation hook refused the call: Origin header https://evil.example is not this app's",
      },
    );
    // With a hook that checks nothing, the core still holds the line: the allow-list, and the Origin.
    const outside = await open.evaluate(fetchJs(`${base}/admin`)) as { ok: boolean; error: string };
    assert.equal(outside.ok, false);
    assert.match(outside.error, /not allowed/);
    const forced = await open.evaluate(
      fetchJs(`${base}/api/x`, `{ headers: { Origin: "https://evil.example", Cookie: "session=stolen" } }`),
    ) as { value: { body: Record<string, unknown> } };
    assert.equal(forced.value.body.origin, "app://localhost");
    assert.equal(forced.value.body.cookie, null);
    // Not http(s) at all.
    const file = await open.evaluate(fetchJs("file:///etc/passwd")) as { ok: boolean; error: string };
    assert.equal(file.ok, false);
  } finally {
    await guarded.close();
    await open.close();
    await server.shutdown();
  }
});

Deno.test("http: an app whose config allows nothing fetches nothing", async () => {
  const { server, base } = echoServer();
  const app = await launch({ config: await makeApp() });
  try {
    const result = await app.evaluate(
      settle(`window.airlock.http.fetch(${JSON.stringify(`${base}/api/x`)})`),
    ) as {
      ok: boolean;
      error: string;
    };
    assert.equal(result.ok, false);
    assert.match(result.error, /not allowed/);
  } finally {
    await app.close();
    await server.shutdown();
  }
});
