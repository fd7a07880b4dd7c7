// The app's own files through app://, as the page's fetch() sees them: each common type with its
// Content-Type (and blob type), its length, and a missing file a 404.
import assert from "node:assert/strict";
import { launch } from "../../mod.ts";
import { makeApp } from "../fixture.ts";

/** extension → the Content-Type app:// must answer with. */
export const EXPECTED_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  map: "application/json",
  txt: "text/plain; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  xml: "application/xml",
  webmanifest: "application/manifest+json",
  vtt: "text/vtt; charset=utf-8",
  pdf: "application/pdf",
  wasm: "application/wasm",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  bmp: "image/bmp",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  eot: "application/vnd.ms-fontobject",
  mp4: "video/mp4",
  webm: "video/webm",
  ogv: "video/ogg",
  mov: "video/quicktime",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  ogg: "audio/ogg",
  m4a: "audio/mp4",
  flac: "audio/flac",
  aac: "audio/aac",
  opus: "audio/ogg",
  glb: "model/gltf-binary",
  zip: "application/zip",
  unknownext: "application/octet-stream",
};

Deno.test("app:// answers the page's fetch() with each file's Content-Type, blob type and length", async () => {
  const files: Record<string, string> = {};
  for (const ext of Object.keys(EXPECTED_TYPES)) files[`sample.${ext}`] = `sample ${ext}`;
  files["UPPER.WOFF2"] = "upper";
  const app = await launch({ config: await makeApp({ frontend: files }) });
  try {
    const seen = await app.evaluate(`(async () => {
      const out = {};
      for (const ext of ${JSON.stringify([...Object.keys(EXPECTED_TYPES)])}) {
        const response = await fetch("sample." + ext);
        const blob = await response.clone().blob();
        out[ext] = { status: response.status, type: response.headers.get("content-type"), blob: blob.type.split(";")[0],
          length: response.headers.get("content-length"), text: await response.text() };
      }
      const upper = await fetch("UPPER.WOFF2");
      out.upper = upper.headers.get("content-type");
      const missing = await fetch("none.png");
      out.missing = [missing.status, missing.headers.get("content-type")];
      return out;
    })()`) as Record<string, { status: number; type: string; blob: string; length: string; text: string }>;
    for (const [ext, type] of Object.entries(EXPECTED_TYPES)) {
      const body = `sample ${ext}`;
      assert.deepEqual(seen[ext], {
        status: 200,
        type,
        blob: type.split(";")[0], // WebKit keeps the charset on some blob types, not on others
        length: String(body.length),
        text: body,
      }, ext);
    }
    assert.equal(seen.upper, "font/woff2");
    assert.deepEqual(seen.missing, [404, "text/plain; charset=utf-8"]);
  } finally {
    await app.close();
  }
});
