// The page's own security settings from app.security, in a real window: its CSP (with the hashes of the
// app's own inline scripts added, as Tauri adds them), freezePrototype, and extra response headers — and
// the bridge and the isolation frame keep working under them.
import assert from "node:assert/strict";
import { launch } from "../../mod.ts";
import { makeApp, settle } from "../fixture.ts";

const PAGE = `<!doctype html><meta charset="utf-8"><title>csp</title>
<script>window.inlineRan = true;</script>
<style>p { color: rgb(1, 2, 3); }</style>
<p id="p">styled</p>`;

async function appWithSecurity(security: Record<string, unknown>) {
  const config = await makeApp({ frontend: { "index.html": PAGE } });
  const raw = JSON.parse(await Deno.readTextFile(config));
  raw.app = { security };
  await Deno.writeTextFile(config, JSON.stringify(raw));
  return await launch({ config, commands: { echo: (args: unknown) => args }, audit: () => {} });
}

/** What the page can do under its policy. */
const PROBE = `(async () => {
  let evalResult;
  try { evalResult = eval("1 + 1"); } catch (error) { evalResult = error.name; }
  const injected = document.createElement("script");
  injected.textContent = "window.injectedRan = true;";
  document.head.appendChild(injected);
  await new Promise((r) => setTimeout(r, 50));
  return {
    eval: evalResult,
    inline: window.inlineRan === true,
    injected: window.injectedRan === true,
    styled: getComputedStyle(document.getElementById("p")).color,
    invoke: await window.__TAURI__.core.invoke("echo", { ok: 1 }),
    // A large call is POSTed by the relay; where the CSP's connect-src refuses that, it goes as a message.
    large: (await window.__TAURI__.core.invoke("echo", { data: new Uint8Array(200000) })).data.length,
  };
})()`;

Deno.test("page security: app.security.csp blocks eval and injected inline scripts; the app's own inline script and style run; the bridge works", async () => {
  const app = await appWithSecurity({
    csp: "default-src 'self'; connect-src 'self' ipc: http://ipc.localhost",
  });
  const strict = await appWithSecurity({ csp: "default-src 'self'; connect-src ipc: http://ipc.localhost" });
  try {
    const seen = await strict.evaluate(PROBE) as Record<string, unknown>;
    assert.equal(seen.large, 200000);
    assert.equal(seen.eval, "EvalError");
  } finally {
    await strict.close();
  }
  try {
    assert.deepEqual(await app.evaluate(PROBE), {
      eval: "EvalError",
      inline: true,
      injected: false,
      styled: "rgb(1, 2, 3)",
      invoke: { ok: 1 },
      large: 200000,
    });
    const header = await app.evaluate(
      `fetch("/index.html").then((r) => r.headers.get("content-security-policy"))`,
    );
    assert.match(
      String(header),
      /^default-src 'self'; connect-src 'self' ipc: http:\/\/ipc\.localhost; script-src 'self' 'sha256-[^']+'; style-src 'self' 'sha256-[^']+'; frame-src 'self' isolation:$/,
    );
  } finally {
    await app.close();
  }
});

Deno.test("page security: Tauri's object form of the CSP, and dangerousDisableAssetCspModification leaves it as written", async () => {
  const app = await appWithSecurity({
    csp: { "default-src": "'self'", "img-src": ["'self'", "data:"] },
    dangerousDisableAssetCspModification: true,
  });
  try {
    const seen = await app.evaluate(PROBE) as Record<string, unknown>;
    assert.equal(seen.eval, "EvalError");
    assert.equal(seen.inline, false); // no hash added: the app's own inline script is blocked too
    assert.deepEqual(seen.invoke, { ok: 1 }); // the isolation frame is allowed whatever the setting
  } finally {
    await app.close();
  }
});

Deno.test("page security: without a CSP nothing is added; freezePrototype and headers apply", async () => {
  const app = await appWithSecurity({
    freezePrototype: true,
    headers: { "X-Airlock-Test": "yes", "Cross-Origin-Opener-Policy": "same-origin" },
  });
  try {
    const seen = await app.evaluate(`(async () => {
      const response = await fetch("/index.html");
      return {
        frozen: Object.isFrozen(Object.prototype),
        polluted: (() => { try { Object.prototype.polluted = 1; } catch { return "threw"; } return ({}).polluted ?? "ignored"; })(),
        header: response.headers.get("x-airlock-test"),
        csp: response.headers.get("content-security-policy"),
        invoke: await window.__TAURI__.core.invoke("echo", { ok: 2 }),
        eval: eval("1 + 1"),
      };
    })()`);
    assert.deepEqual(seen, {
      frozen: true,
      polluted: "ignored",
      header: "yes",
      csp: null,
      invoke: { ok: 2 },
      eval: 2,
    });
    assert.deepEqual(await app.evaluate(settle(`window.__TAURI__.core.invoke("echo", [1])`)), {
      ok: true,
      value: [1],
    });
  } finally {
    await app.close();
  }
});

Deno.test("page security: an unknown app.security key stops the app with its name", async () => {
  await assert.rejects(
    () => appWithSecurity({ cspp: "default-src 'self'" }),
    /app\.security\.cspp is not a security option/,
  );
});

Deno.test("page security: every same-origin response carries the CSP (404s, the API module, SVG, JSON), so no frame escapes it", async () => {
  const config = await makeApp({
    frontend: {
      "index.html": PAGE,
      "logo.svg": `<svg xmlns="http://www.w3.org/2000/svg"/>`,
      "data.json": "{}",
    },
  });
  const raw = JSON.parse(await Deno.readTextFile(config));
  raw.app = { security: { csp: "default-src 'self'" } };
  await Deno.writeTextFile(config, JSON.stringify(raw));
  const app = await launch({ config, audit: () => {} });
  try {
    const seen = await app.evaluate(`(async () => {
      const out = {};
      for (const path of ["/no-such-file", "/__airlock/api.js", "/logo.svg", "/data.json"]) {
        const frame = document.createElement("iframe");
        frame.src = path;
        const loaded = new Promise((resolve) => frame.onload = resolve);
        document.body.appendChild(frame);
        await loaded;
        try { out[path] = frame.contentWindow.eval("42"); } catch (error) { out[path] = error.name; }
        out[path + " header"] = (await fetch(path)).headers.get("content-security-policy");
        out[path + " nosniff"] = (await fetch(path)).headers.get("x-content-type-options");
      }
      return out;
    })()`) as Record<string, unknown>;
    for (const path of ["/no-such-file", "/__airlock/api.js", "/logo.svg", "/data.json"]) {
      assert.equal(seen[path], "EvalError", `${path}: ${JSON.stringify(seen)}`);
      assert.match(String(seen[`${path} header`]), /^default-src 'self'/);
      assert.equal(seen[`${path} nosniff`], "nosniff");
    }
  } finally {
    await app.close();
  }
});
