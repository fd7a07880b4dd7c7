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

// A 1×1 PNG, and a WAV of 0.5 s of silence (8 kHz, 8-bit mono), built here so no binary is committed.
const PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
  (c) => c.charCodeAt(0),
);
function wav(samples: number): Uint8Array {
  const bytes = new Uint8Array(44 + samples);
  const view = new DataView(bytes.buffer);
  const ascii = (at: number, text: string) =>
    [...text].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples, true);
  ascii(8, "WAVEfmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, 8000, true);
  view.setUint32(28, 8000, true);
  view.setUint16(32, 1, true);
  view.setUint16(34, 8, true);
  ascii(36, "data");
  view.setUint32(40, samples, true);
  bytes.fill(128, 44);
  return bytes;
}

/** Files inside the scope (one denied, one a link out of it) and outside it. */
async function assetFiles() {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "airlock-assets-" }));
  const inside = `${root}/inside`;
  const outside = `${root}/outside`;
  await Deno.mkdir(`${inside}/private`, { recursive: true });
  await Deno.mkdir(outside);
  await Deno.writeFile(`${inside}/pic.png`, PNG);
  await Deno.writeFile(`${inside}/sound.wav`, wav(4000));
  await Deno.writeTextFile(`${inside}/notes.txt`, "0123456789abcdef");
  await Deno.writeTextFile(`${inside}/private/key.txt`, "denied");
  await Deno.writeFile(`${outside}/secret.png`, PNG);
  await Deno.symlink(`${outside}/secret.png`, `${inside}/link.png`);
  return { root, inside, outside };
}

Deno.test("asset protocol: convertFileSrc URLs serve files in the scope only (img, fetch, Range, media bytes)", async () => {
  const { inside, outside } = await assetFiles();
  const config = await makeApp();
  const raw = JSON.parse(await Deno.readTextFile(config));
  raw.app = {
    security: {
      assetProtocol: { enable: true, scope: { allow: [`${inside}/**`], deny: [`${inside}/private/**`] } },
    },
  };
  await Deno.writeTextFile(config, JSON.stringify(raw));
  const audit: string[] = [];
  // The audio part plays through GStreamer and ALSA: on a machine with no sound card, ALSA's default device
  // as a null one keeps its probing (a dozen lines on stderr) out of the test log. WebKit's processes read
  // it at their start.
  const alsa = await Deno.makeTempFile({ suffix: ".conf" });
  await Deno.writeTextFile(alsa, "pcm.!default { type null }\nctl.!default { type hw card 0 }\n");
  const before = Deno.env.get("ALSA_CONFIG_PATH");
  Deno.env.set("ALSA_CONFIG_PATH", alsa);
  const app = await launch({ config, audit: (entry) => audit.push(entry.reason) }).finally(() =>
    before === undefined ? Deno.env.delete("ALSA_CONFIG_PATH") : Deno.env.set("ALSA_CONFIG_PATH", before)
  );
  const src = (path: string) => `window.__TAURI_INTERNALS__.convertFileSrc(${JSON.stringify(path)})`;
  const get = (path: string, init = "{}") =>
    app.evaluate(`(async () => {
      const response = await fetch(${src(path)}, ${init});
      return { status: response.status, type: response.headers.get("content-type"),
        range: response.headers.get("content-range"), text: await response.text() };
    })()`);
  try {
    assert.equal(
      await app.evaluate(src(`${inside}/pic.png`)),
      `asset://localhost/${encodeURIComponent(`${inside}/pic.png`)}`,
    );
    // fetch: a file inside, whole and in ranges.
    assert.deepEqual(await get(`${inside}/notes.txt`), {
      status: 200,
      type: "text/plain; charset=utf-8",
      range: null,
      text: "0123456789abcdef",
    });
    assert.deepEqual(await get(`${inside}/notes.txt`, `{ headers: { Range: "bytes=2-5" } }`), {
      status: 206,
      type: "text/plain; charset=utf-8",
      range: "bytes 2-5/16",
      text: "2345",
    });
    assert.deepEqual(
      (await get(`${inside}/notes.txt`, `{ headers: { Range: "bytes=-3" } }`) as { text: string }).text,
      "def",
    );
    assert.equal(
      (await get(`${inside}/notes.txt`, `{ headers: { Range: "bytes=99-" } }`) as { status: number }).status,
      416,
    );
    // Refused: outside, a link out, a denied folder, a ".." path; a missing file inside is a 404.
    const refused = async (path: string, status: number, why: RegExp) => {
      const answer = await get(path) as { status: number; text: string };
      assert.equal(answer.status, status, path);
      assert.match(answer.text, why, path);
    };
    await refused(`${outside}/secret.png`, 403, /outside the asset protocol scope/);
    await refused(
      `${inside}/link.png`,
      403,
      /resolves to .*outside\/secret\.png, outside the asset protocol scope/,
    );
    await refused(`${inside}/private/key.txt`, 403, /outside the asset protocol scope/);
    await refused(`${inside}/../outside/secret.png`, 403, /'\.\.' is not allowed/);
    await refused(`${inside}/none.png`, 404, /no such file/);
    assert.ok(audit.some((line) => line.includes("link.png") && line.includes("asset protocol refused")));
    // <img>: loads from inside, fails from outside and through the link.
    const image = (path: string) =>
      app.evaluate(`new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve("loaded " + img.naturalWidth + "x" + img.naturalHeight);
        img.onerror = () => resolve("error");
        img.src = ${src(path)};
      })`);
    assert.equal(await image(`${inside}/pic.png`), "loaded 1x1");
    assert.equal(await image(`${outside}/secret.png`), "error");
    assert.equal(await image(`${inside}/link.png`), "error");
    // Media: WebKitGTK's media elements load only http(s), file and blob URLs (GStreamer has no source for
    // a custom scheme: an asset:// src fails with MEDIA_ERR_SRC_NOT_SUPPORTED on app:// just as well), so
    // a page plays a file of the scope through fetch and a blob URL; the bytes must be the file's.
    const audio = await app.evaluate(`(async () => {
      const blob = await (await fetch(${src(`${inside}/sound.wav`)})).blob();
      return await new Promise((resolve) => {
        const audio = new Audio();
        audio.onloadedmetadata = () => {
          audio.currentTime = 0.25;
          audio.onseeked = () => resolve({ type: blob.type, duration: audio.duration, at: audio.currentTime });
        };
        audio.onerror = () => resolve("error " + (audio.error && audio.error.code));
        audio.src = URL.createObjectURL(blob);
        setTimeout(() => resolve("timeout"), 8000);
      });
    })()`);
    assert.deepEqual(audio, { type: "audio/wav", duration: 0.5, at: 0.25 });
  } finally {
    await app.close();
  }
});

Deno.test("asset protocol: off unless enabled, and then every URL is refused with the reason", async () => {
  const { inside } = await assetFiles();
  const app = await launch({ config: await makeApp(), audit: () => {} });
  try {
    const answer = await app.evaluate(
      `fetch(window.__TAURI_INTERNALS__.convertFileSrc(${JSON.stringify(`${inside}/pic.png`)}))
      .then(async (r) => [r.status, await r.text()])`,
    );
    assert.deepEqual(answer, [
      403,
      "asset://localhost: the asset protocol is not enabled (app.security.assetProtocol.enable)",
    ]);
  } finally {
    await app.close();
  }
});
