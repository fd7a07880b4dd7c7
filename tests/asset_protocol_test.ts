// The asset protocol's config section and request handling without a webview: real files in a temp folder,
// requests as WebKit hands them over (a URI, a method, headers).
import assert from "node:assert/strict";
import { parseAssetProtocol, parseRange, RANGE_BYTES, serveAsset } from "../core/asset_protocol.ts";
import { loadConfig } from "../core/config.ts";

const paths = {
  identifier: "dev.airlock.assets",
  resourceDir: "/srv/app",
  env: (name: string) => ({ HOME: "/home/ada" })[name],
};

Deno.test("parseAssetProtocol: Tauri's shapes; unknown keys and bad values are errors naming the field", () => {
  assert.deepEqual(parseAssetProtocol(undefined, "app.security.assetProtocol", paths), {
    enable: false,
    scope: null,
  });
  assert.equal(parseAssetProtocol({ enable: false, scope: ["$APPDATA/**"] }, "x", paths).scope, null);
  const list = parseAssetProtocol({ enable: true, scope: ["$APPDATA/**", "/srv/media/*.png"] }, "x", paths);
  assert.ok(list.scope!.allows("/home/ada/.local/share/dev.airlock.assets/a/b.png"));
  assert.ok(list.scope!.allows("/srv/media/a.png"));
  assert.ok(!list.scope!.allows("/srv/media/sub/a.png"), "* stays in one folder");
  assert.ok(
    !list.scope!.allows("/home/ada/.local/share/dev.airlock.assets/.hidden"),
    "wildcards skip dotfiles",
  );
  const object = parseAssetProtocol(
    {
      enable: true,
      scope: {
        allow: ["$HOME/**"],
        deny: ["$HOME/.ssh/**", "$HOME/private/**"],
        requireLiteralLeadingDot: true,
      },
    },
    "x",
    paths,
  );
  assert.ok(object.scope!.allows("/home/ada/pics/a.png"));
  assert.ok(!object.scope!.allows("/home/ada/private/a.png"), "deny wins");
  const cases: [unknown, RegExp][] = [
    ["on", /app\.security\.assetProtocol: must be an object$/],
    [{ enabled: true }, /app\.security\.assetProtocol\.enabled: unknown field \(known: enable, scope\)$/],
    [{ enable: "yes" }, /\.enable: must be true or false/],
    [{ enable: true, scope: "$APPDATA/**" }, /\.scope: must be a list of globs or \{ allow, deny \}/],
    [{ enable: true, scope: [1] }, /\.scope: must be a list of paths or globs/],
    [
      { enable: true, scope: ["relative/**"] },
      /\.scope\[0\]: "relative\/\*\*" must be absolute or start with a variable/,
    ],
    [
      { enable: true, scope: { allow: [], denied: [] } },
      /\.scope\.denied: unknown field \(known: allow, deny, requireLiteralLeadingDot\)/,
    ],
    [
      { enable: true, scope: { requireLiteralLeadingDot: false } },
      /requireLiteralLeadingDot: only true is supported/,
    ],
  ];
  for (const [section, pattern] of cases) {
    assert.throws(() => parseAssetProtocol(section, "app.security.assetProtocol", paths), pattern);
  }
});

Deno.test("a config with a bad assetProtocol section does not load, and says which field", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/dist`);
  const file = `${dir}/tauri.conf.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({
      build: { frontendDist: "dist" },
      app: { security: { assetProtocol: { enable: true, scopes: [] } } },
    }),
  );
  await assert.rejects(loadConfig(file), /app\.security\.assetProtocol\.scopes: unknown field/);
});

Deno.test("parseRange: one range, clamped; suffixes; the rest is the whole file or unsatisfiable", () => {
  assert.deepEqual(parseRange("bytes=0-", 10), [0, 9]);
  assert.deepEqual(parseRange("bytes=2-5", 10), [2, 5]);
  assert.deepEqual(parseRange("bytes=2-50", 10), [2, 9]);
  assert.deepEqual(parseRange("bytes=-3", 10), [7, 9]);
  assert.deepEqual(parseRange("bytes=-30", 10), [0, 9]);
  assert.equal(parseRange("bytes=10-", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=5-2", 10), "unsatisfiable");
  assert.equal(parseRange("bytes=-0", 10), "unsatisfiable");
  for (const header of ["bytes=0-1,4-5", "items=0-1", "bytes=", "bytes=a-b"]) {
    assert.equal(parseRange(header, 10), null);
  }
});

Deno.test("serveAsset: ranges are capped, HEAD has no body, other methods and hosts are refused", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const big = new Uint8Array(RANGE_BYTES * 2 + 5).map((_, i) => i % 256);
  await Deno.writeFile(`${dir}/clip.mp4`, big);
  const protocol = parseAssetProtocol({ enable: true, scope: [`${dir}/**`] }, "x", paths);
  const audit: string[] = [];
  const serving = { origin: "app://localhost", audit: (reason: string) => audit.push(reason) };
  const ask = (path: string, method = "GET", headers: Record<string, string> = {}, host = "localhost") =>
    serveAsset(
      {
        scheme: "asset",
        path: "/" + encodeURIComponent(path),
        uri: `asset://${host}/${encodeURIComponent(path)}`,
        method,
        header: (name) => headers[name.toLowerCase()] ?? null,
        body: () => null,
      },
      protocol,
      serving,
    );
  const seek = await ask(`${dir}/clip.mp4`, "GET", { range: "bytes=100-" });
  assert.equal(seek.status, 206);
  assert.equal(seek.contentType, "video/mp4");
  assert.equal(seek.body.byteLength, RANGE_BYTES);
  assert.equal(seek.headers!["Content-Range"], `bytes 100-${100 + RANGE_BYTES - 1}/${big.byteLength}`);
  assert.deepEqual(seek.body.subarray(0, 3), big.subarray(100, 103));
  assert.equal(seek.headers!["Access-Control-Allow-Origin"], "app://localhost");
  const whole = await ask(`${dir}/clip.mp4`);
  assert.equal(whole.status, 200);
  assert.equal(whole.body.byteLength, big.byteLength);
  const head = await ask(`${dir}/clip.mp4`, "HEAD");
  assert.deepEqual([head.status, head.body.byteLength, head.headers!["Content-Length"]], [
    200,
    0,
    String(big.byteLength),
  ]);
  assert.equal((await ask(`${dir}/clip.mp4`, "PUT")).status, 405);
  assert.equal((await ask(`${dir}/clip.mp4`, "GET", {}, "elsewhere")).status, 404);
  assert.equal((await ask("relative.mp4")).status, 400);
  assert.equal((await ask(`${dir}`)).status, 403, "a folder is not a file");
  assert.equal((await ask("/etc/passwd")).status, 403);
  assert.ok(audit.some((line) => line.includes("/etc/passwd")));
});
