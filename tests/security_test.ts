// The page's CSP as Airlock sends it: Tauri's forms parsed, and hashes only for what really runs inline.
import assert from "node:assert/strict";
import { documentCsp, parseSecurity } from "../core/security.ts";

const sha = async (text: string) =>
  `'sha256-${
    btoa(
      String.fromCharCode(
        ...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
      ),
    )
  }'`;

Deno.test("CSP: inline scripts that run are hashed; comments, textareas, data and templates are not", async () => {
  const security = parseSecurity({ csp: "default-src 'self'" });
  const html = `<!doctype html>
<script>run()</script>
<script type="module">mod()</script>
<script data-src="x.js">dataSrc()</script>
<script title="a > b">quoted()</script>
<script src="/app.js"></script>
<script type="application/json">{"not": "code"}</script>
<script type="text/x-template"><p>t</p></script>
<!-- <script>commented()</script> -->
<textarea><script>inTextarea()</script></textarea>
<style>p { color: red }</style>`;
  const csp = await documentCsp(security, html, { dev: false, isolation: true });
  const scripts = /script-src ([^;]*)/.exec(csp!)![1].split(" ");
  assert.deepEqual(scripts, [
    "'self'",
    ...await Promise.all(["run()", "mod()", "dataSrc()", "quoted()"].map(sha)),
  ]);
  assert.match(
    csp!,
    new RegExp(`style-src 'self' ${(await sha("p { color: red }")).replace(/[+/]/g, "\\$&")}`),
  );
  assert.match(csp!, /frame-src 'self' isolation:$/);
});

Deno.test("CSP: 'unsafe-inline' is left alone (a hash would switch it off); devCsp in dev; the object form", async () => {
  const inline = parseSecurity({ csp: "script-src 'self' 'unsafe-inline'" });
  assert.equal(
    await documentCsp(inline, "<script>x()</script>", { dev: false, isolation: false }),
    "script-src 'self' 'unsafe-inline'",
  );
  const dev = parseSecurity({
    csp: { "default-src": "'self'" },
    devCsp: { "default-src": ["'self'", "http://localhost:5173"] },
  });
  assert.equal(
    await documentCsp(dev, "", { dev: true, isolation: false }),
    "default-src 'self' http://localhost:5173",
  );
  assert.equal(await documentCsp(dev, "", { dev: false, isolation: false }), "default-src 'self'");
  assert.equal(
    await documentCsp(parseSecurity({}), "<script>x()</script>", { dev: false, isolation: true }),
    null,
  );
});

Deno.test("security: header values in Tauri's forms; bad names and line breaks refused", () => {
  const { headers } = parseSecurity({
    headers: {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Permissions-Policy": ["camera=()", "microphone=()"],
      "Timing-Allow-Origin": { "https://a.example": "" },
      "X-Skipped": null,
    },
  });
  assert.deepEqual(headers, {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=()",
    "Timing-Allow-Origin": "https://a.example",
  });
  assert.throws(() => parseSecurity({ headers: { "Bad Name": "x" } }), /bad name/);
  assert.throws(() => parseSecurity({ headers: { "X-A": "a\r\nSet-Cookie: x" } }), /line break/);
});
