// The official @tauri-apps/plugin-http, unchanged from npm, against a real loopback server: its fetch
// (plugin:http|fetch → fetch_send → fetch_read_body, fetch_cancel, fetch_cancel_body) through isolation,
// with a hook that checks nothing, so every refusal here is the core's.
import assert from "node:assert/strict";
import { launch } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";
import { bundleWithTauriApi } from "./tauri_compat.ts";

export const PLUGIN_HTTP = "@tauri-apps/plugin-http@2.7.0";

const FRONTEND = `
import { fetch } from "@tauri-apps/plugin-http";
window.pluginHttp = { fetch };
`;

/** A server that echoes requests, streams a body only as fast as the page asks for it, and stalls. */
function server() {
  let release = Promise.withResolvers<void>();
  const stalls: (() => void)[] = [];
  const served = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/echo": {
        const headers = new Headers({ "x-answer": "42", "content-type": "application/json" });
        headers.append("set-cookie", "session=abc; HttpOnly");
        return new Response(
          JSON.stringify({
            method: request.method,
            headers: Object.fromEntries(request.headers),
            body: [...new Uint8Array(await request.arrayBuffer())],
          }),
          { headers },
        );
      }
      case "/stream":
        // The first part, then nothing until the page, having read it, calls /release: a core that read
        // the whole body before answering would wait for ever.
        return new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode("first part;"));
              await release.promise;
              release = Promise.withResolvers();
              controller.enqueue(new TextEncoder().encode("second part"));
              controller.close();
            },
          }),
        );
      case "/release":
        release.resolve();
        return new Response("released");
      case "/big": {
        const bytes = new Uint8Array(700_000).map((_, i) => (i * 7) % 251);
        return new Response(bytes);
      }
      case "/stall":
        await new Promise<void>((resolve) => stalls.push(resolve));
        return new Response("too late");
      case "/moved":
        return new Response(null, { status: 302, headers: { location: "/echo" } });
      default:
        return new Response("nothing here", { status: 404 });
    }
  });
  return {
    base: `http://127.0.0.1:${served.addr.port}`,
    async close() {
      release.resolve();
      for (const resolve of stalls) resolve();
      await served.shutdown();
    },
  };
}

Deno.test("plugin-http: the official fetch streams bodies, carries headers and bodies, is scoped, cancels", async () => {
  const app = await bundleWithTauriApi(FRONTEND, [PLUGIN_HTTP]);
  const http = server();
  const handle = await launch({
    config: await makeApp({
      frontend: {
        "index.html": `<!doctype html><meta charset="utf-8"><script src="app.js"></script>`,
        "app.js": app,
      },
      airlock: { http: { allow: [`${http.base}/*`] } },
    }),
  });
  const run = (js: string) =>
    handle.evaluate(settle(`(async () => { const { fetch } = window.pluginHttp; ${js} })()`));
  const base = JSON.stringify(http.base);
  try {
    // Headers both ways and a text body: forbidden request headers never reach the server.
    const echoed = await run(`
      const response = await fetch(${base} + "/echo", {
        method: "POST",
        headers: { "X-Custom": "kept", "Set-Cookie": "a=b", "Permissions-Policy": "camera=*", Cookie: "c=d",
          "X-HTTP-Method-Override": "TRACE", "X-Method-Override": "PATCH" },
        body: "héllo",
      });
      return { status: response.status, statusText: response.statusText, url: response.url,
        type: response.headers.get("content-type"), answer: response.headers.get("x-answer"),
        cookie: response.headers.get("set-cookie"), json: await response.json() };
    `) as {
      ok: true;
      value: Record<string, unknown> & {
        json: { method: string; headers: Record<string, string>; body: number[] };
      };
    };
    assert.equal(echoed.ok, true, JSON.stringify(echoed));
    const { json, ...meta } = echoed.value;
    assert.deepEqual(meta, {
      status: 200,
      statusText: "OK",
      url: `${http.base}/echo`,
      type: "application/json",
      answer: "42",
      cookie: "session=abc; HttpOnly",
    });
    assert.equal(json.method, "POST");
    assert.equal(new TextDecoder().decode(new Uint8Array(json.body)), "héllo");
    assert.equal(json.headers["x-custom"], "kept");
    assert.equal(json.headers["x-method-override"], "PATCH");
    assert.equal(json.headers.origin, "app://localhost");
    for (const name of ["set-cookie", "permissions-policy", "cookie", "x-http-method-override"]) {
      assert.equal(json.headers[name], undefined, name);
    }
    // Bytes out, bytes back.
    const bytes = await run(`
      const response = await fetch(${base} + "/echo", { method: "PUT", body: new Uint8Array([0, 1, 254, 255]) });
      return (await response.json()).body;
    `);
    assert.deepEqual(bytes, { ok: true, value: [0, 1, 254, 255] });

    // Streaming: the first part reaches the page while the server still holds the rest.
    const streamed = await run(`
      const response = await fetch(${base} + "/stream");
      const reader = response.body.getReader();
      const parts = [];
      const first = await reader.read();
      parts.push(new TextDecoder().decode(first.value));
      await (await fetch(${base} + "/release")).text();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(new TextDecoder().decode(value));
      }
      return parts;
    `);
    assert.deepEqual(streamed, { ok: true, value: ["first part;", "second part"] });

    // A body larger than one chunk arrives whole and in order.
    const big = await run(`
      const body = new Uint8Array(await (await fetch(${base} + "/big")).arrayBuffer());
      let wrong = 0;
      for (let i = 0; i < body.length; i++) if (body[i] !== (i * 7) % 251) wrong++;
      return { length: body.length, wrong };
    `);
    assert.deepEqual(big, { ok: true, value: { length: 700_000, wrong: 0 } });

    // Status codes are answers; maxRedirections: 0 answers with the redirect itself.
    assert.deepEqual(
      await run(`const r = await fetch(${base} + "/nowhere"); return [r.status, await r.text()];`),
      { ok: true, value: [404, "nothing here"] },
    );
    assert.deepEqual(
      await run(`const r = await fetch(${base} + "/moved", { maxRedirections: 0 }); return r.status;`),
      { ok: true, value: 302 },
    );
    assert.deepEqual(
      await run(`const r = await fetch(${base} + "/moved"); return [r.status, r.url];`),
      { ok: true, value: [200, `${http.base}/echo`] },
    );

    // Refused by the core: a URL outside the allow-list, a proxy, a forbidden method.
    const outside = await run(`await fetch("http://127.0.0.1:1/elsewhere"); return "fetched";`) as {
      ok: boolean;
      error: string;
    };
    assert.equal(outside.ok, false);
    assert.match(
      outside.error,
      /URL "http:\/\/127\.0\.0\.1:1\/elsewhere" is not allowed \(not in airlock\.http\.allow\)/,
    );
    const proxied = await run(
      `await fetch(${base} + "/echo", { proxy: { all: "http://127.0.0.1:9" } });`,
    ) as {
      error: string;
    };
    assert.match(proxied.error, /proxy is not supported/);

    // Cancelled: an AbortSignal ends a request the server never answers.
    const cancelled = await run(`
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await fetch(${base} + "/stall", { signal: controller.signal });
    `) as { ok: boolean; error: string };
    assert.deepEqual(cancelled, { ok: false, error: "Request canceled" });
    // A body dropped unread frees its resource: later requests still work (the window's cap is 64).
    const many = await run(`
      for (let i = 0; i < 80; i++) {
        const response = await fetch(${base} + "/echo");
        await response.body.cancel();
      }
      return "ok";
    `);
    assert.deepEqual(many, { ok: true, value: "ok" });
    // Bad resource ids are an error, not a crash.
    assert.deepEqual(
      await handle.evaluate(
        settle(`window.__TAURI_INTERNALS__.invoke("plugin:http|fetch_read_body", { rid: 999 })`),
      ),
      { ok: false, error: "The resource id 999 is invalid." },
    );
  } finally {
    await handle.close();
    await http.close();
  }
});

Deno.test("plugin-http under capabilities: http:default's URL scope (deny wins) for window main, nothing for second", async () => {
  const app = await bundleWithTauriApi(FRONTEND, [PLUGIN_HTTP]);
  const http = server();
  const config = await makeApp({
    hook: `window.__TAURI_ISOLATION_HOOK__ = (payload) => payload;`,
    frontend: {
      "index.html": `<!doctype html><meta charset="utf-8"><script src="app.js"></script>`,
      "app.js": app,
    },
  });
  // No airlock.http section: what the capabilities grant is all there is.
  const raw = JSON.parse(await Deno.readTextFile(config));
  raw.app = {
    windows: [{ label: "main" }, { label: "second", width: 320, height: 240 }],
    security: {
      capabilities: [
        { identifier: "base", windows: ["*"], permissions: ["core:default"] },
        {
          identifier: "net",
          windows: ["main"],
          permissions: [{
            identifier: "http:default",
            allow: [{ url: "http://127.0.0.1:*/**" }],
            deny: [{ url: `${http.base}/moved` }],
          }],
        },
      ],
    },
  };
  await Deno.writeTextFile(config, JSON.stringify(raw));
  const handle = await launch({ config, audit: () => {} });
  const fetchJs = (path: string) =>
    settle(`window.pluginHttp.fetch(${JSON.stringify(http.base + path)}).then((r) => r.status)`);
  try {
    assert.deepEqual(await handle.evaluate(fetchJs("/nowhere")), { ok: true, value: 404 });
    const denied = await handle.evaluate(fetchJs("/moved")) as { ok: boolean; error: string };
    assert.equal(denied.ok, false);
    assert.match(denied.error, /is not allowed \(denied by the http scope of the window's capabilities\)/);
    // Airlock's own API reads the same scope.
    const own = await handle.evaluate(
      settle(`window.airlock.http.fetch(${JSON.stringify(`${http.base}/echo`)}).then((r) => r.status)`),
    );
    assert.deepEqual(own, { ok: true, value: 200 });
    // Window second has no http permission at all: refused before the command runs.
    const second = await handle.window("second")!.evaluate(fetchJs("/nowhere")) as {
      ok: boolean;
      error: string;
    };
    assert.equal(second.ok, false);
    assert.match(second.error, /plugin:http\|fetch/);
    assert.match(second.error, /http:allow-fetch|http:default/);
  } finally {
    for (const window of handle.windows()) await window.close();
    await http.close();
  }
});
