// The isolation frame's quick seal (isolation/quick_seal.ts) must be plain AES-256-GCM: what it seals
// opens with node:crypto (as the core opens calls) and with WebCrypto, a changed byte is refused, and no
// IV is ever used twice.
import assert from "node:assert/strict";
import { createDecipheriv } from "node:crypto";
import { createQuickSealer, QUICK_SEAL_BYTES } from "../isolation/quick_seal.ts";
import { createSessionKey } from "../core/key.ts";
import { base64ToBytes, envelopeAad } from "../protocol/seal.ts";

const raw = () => crypto.getRandomValues(new Uint8Array(32));

async function readySealer(key: Uint8Array<ArrayBuffer>) {
  const sealer = createQuickSealer(crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]));
  for (let i = 0; i < 200 && sealer.ready < 32; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(sealer.ready, 32, "the sealer made its streams");
  return sealer;
}

function nodeOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.byteLength - 16));
  const head = decipher.update(sealed.subarray(0, sealed.byteLength - 16));
  return new Uint8Array([...head, ...decipher.final()]);
}

Deno.test("quick seal: every length up to the limit opens with node:crypto and WebCrypto", async () => {
  const key = raw();
  const sealer = await readySealer(key);
  const webKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["decrypt"]);
  const lengths = [0, 1, 15, 16, 17, 31, 32, 33, 100, 255, 1000, QUICK_SEAL_BYTES - 1, QUICK_SEAL_BYTES];
  for (const [index, length] of lengths.entries()) {
    const plaintext = crypto.getRandomValues(new Uint8Array(length));
    const aad = envelopeAad("main", "s".repeat(32), index + 1);
    const out = sealer.seal(aad, plaintext);
    assert.ok(out, `sealed ${length} bytes`);
    assert.equal(out.sealed.byteLength, length + 16);
    assert.deepEqual(nodeOpen(key, out.iv, aad, out.sealed), plaintext, `node:crypto opens ${length} bytes`);
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: out.iv, additionalData: aad },
      webKey,
      out.sealed,
    );
    assert.deepEqual(new Uint8Array(opened), plaintext, `WebCrypto opens ${length} bytes`);
    await new Promise((resolve) => setTimeout(resolve, 1)); // let it refill
  }
});

Deno.test("quick seal: what the core's session key opens; a flipped bit or other AAD is refused", async () => {
  const session = await createSessionKey();
  const sealer = await readySealer(base64ToBytes(session.rawBase64));
  const plaintext = new TextEncoder().encode(JSON.stringify({ cmd: "ping", payload: { i: 1 } }));
  const aad = envelopeAad("main", session.sid, 7);
  const out = sealer.seal(aad, plaintext)!;
  assert.deepEqual(session.decrypt(out.iv, aad, out.sealed), plaintext);
  for (const at of [0, plaintext.byteLength - 1, plaintext.byteLength, out.sealed.byteLength - 1]) {
    const changed = out.sealed.slice();
    changed[at] ^= 1;
    assert.throws(() => session.decrypt(out.iv, aad, changed), `a flip at byte ${at} is refused`);
  }
  assert.throws(() => session.decrypt(out.iv, envelopeAad("main", session.sid, 8), out.sealed));
});

Deno.test("quick seal: too large, or no stream ready, is null (the call takes WebCrypto); IVs never repeat", async () => {
  const sealer = await readySealer(raw());
  assert.equal(sealer.seal(new Uint8Array(0), new Uint8Array(QUICK_SEAL_BYTES + 1)), null);
  const ivs = new Set<string>();
  // Sealing in one go, with no turn of the event loop between: nothing refills, so the streams run out.
  for (
    let out = sealer.seal(new Uint8Array(0), new Uint8Array(8));
    out;
    out = sealer.seal(new Uint8Array(0), new Uint8Array(8))
  ) {
    ivs.add(Array.from(out.iv).join());
  }
  assert.equal(ivs.size, 32, "32 ready streams, 32 distinct IVs");
  assert.equal(sealer.seal(new Uint8Array(0), new Uint8Array(8)), null);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const again = sealer.seal(new Uint8Array(0), new Uint8Array(8));
  assert.ok(again, "refilled");
  assert.ok(!ivs.has(Array.from(again.iv).join()));
});
