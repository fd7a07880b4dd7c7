// Unit tests of the key, the seal (the iframe's code) and the core's open/validate path.
import assert from "node:assert/strict";
import { createSessionKey } from "../core/key.ts";
import { openBinaryEnvelope, type OpenContext, openEnvelope, RejectedMessage } from "../core/envelope.ts";
import { ReplayWindow } from "../core/replay.ts";
import { base64ToBytes, bytesToBase64, sealEnvelope, sealEnvelopeBytes } from "../protocol/seal.ts";
import { packMessage } from "../protocol/wire.ts";

async function session() {
  const key = await createSessionKey();
  // What the iframe gets: the raw key, imported encrypt-only.
  const sealKey = await crypto.subtle.importKey("raw", base64ToBytes(key.rawBase64), "AES-GCM", false, [
    "encrypt",
  ]);
  const context: OpenContext = {
    window: "main",
    sid: key.sid,
    key: key.key,
    replay: new ReplayWindow(),
    limits: { maxMessageBytes: 1 << 20, maxDepth: 16 },
  };
  let seq = 0;
  const seal = (body: unknown, overrides: { window?: string; seq?: number } = {}) =>
    sealEnvelope(sealKey, overrides.window ?? "main", key.sid, overrides.seq ?? ++seq, pack(body));
  return { key, context, seal };
}

const NONCE = "0123456789abcdef0123456789abcdef";
const invoke = (cmd: string, payload: unknown = {}) => ({
  kind: "invoke",
  nonce: NONCE,
  cmd,
  payload,
  options: null,
});
/** What the iframe does before sealing; a bare string stands for content that is not a packed message. */
const pack = (body: unknown) =>
  typeof body === "string" ? new TextEncoder().encode(body) : packMessage(body as Record<string, unknown>);

async function rejects(promise: Promise<unknown>, pattern: RegExp) {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof RejectedMessage, `expected RejectedMessage, got ${error}`);
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("key: 256-bit, non-extractable, fresh each time", async () => {
  const a = await createSessionKey();
  const b = await createSessionKey();
  assert.equal(base64ToBytes(a.rawBase64).length, 32);
  assert.equal(a.key.extractable, false);
  assert.deepEqual([...a.key.usages].sort(), ["decrypt", "encrypt"]);
  assert.notEqual(a.rawBase64, b.rawBase64);
  assert.notEqual(a.sid, b.sid);
  assert.match(a.sid, /^[0-9a-f]{32}$/);
  await assert.rejects(crypto.subtle.exportKey("raw", a.key));
});

Deno.test("seal → open round trip gives back the call", async () => {
  const { context, seal } = await session();
  const call = await openEnvelope(await seal(invoke("greet", { name: "Ada" })), context);
  assert.deepEqual(call, invoke("greet", { name: "Ada" }));
});

Deno.test("seal uses a fresh nonce every time", async () => {
  const { seal } = await session();
  const a = JSON.parse(await seal(invoke("x")));
  const b = JSON.parse(await seal(invoke("x")));
  assert.notEqual(a.iv, b.iv);
  assert.equal(base64ToBytes(a.iv).length, 12);
});

Deno.test("open rejects an unsealed message", async () => {
  const { context } = await session();
  await rejects(openEnvelope(JSON.stringify(invoke("greet")), context), /not sealed/);
  await rejects(openEnvelope("not json", context), /not valid JSON/);
  await rejects(openEnvelope("", context), /not valid JSON/);
});

Deno.test("open rejects a tampered ciphertext, iv, seq or window", async () => {
  const { context, seal } = await session();
  const wire = JSON.parse(await seal(invoke("greet")));
  const ct = base64ToBytes(wire.ct);
  ct[3] ^= 1;
  await rejects(openEnvelope(JSON.stringify({ ...wire, ct: bytesToBase64(ct) }), context), /authentication/);
  const iv = base64ToBytes(wire.iv);
  iv[0] ^= 0x80;
  await rejects(openEnvelope(JSON.stringify({ ...wire, iv: bytesToBase64(iv) }), context), /authentication/);
  await rejects(openEnvelope(JSON.stringify({ ...wire, seq: wire.seq + 5 }), context), /authentication/);
  // Sealed for another window: the AAD differs.
  const other = await seal(invoke("greet"), { window: "settings" });
  await rejects(openEnvelope(other, context), /authentication/);
  // The honest message still opens afterwards: failed attempts spend no sequence number.
  assert.equal((await openEnvelope(JSON.stringify(wire), context)).cmd, "greet");
});

Deno.test("open rejects a replay and a message older than the window, tolerates reordering", async () => {
  const { context, seal } = await session();
  const first = await seal(invoke("a"));
  const second = await seal(invoke("b"));
  assert.equal((await openEnvelope(second, context)).cmd, "b");
  assert.equal((await openEnvelope(first, context)).cmd, "a"); // arrived late: fine
  await rejects(openEnvelope(first, context), /replayed/);
  await rejects(openEnvelope(second, context), /replayed/);
  const old = await seal(invoke("old"), { seq: 3 });
  await openEnvelope(await seal(invoke("far"), { seq: 500 }), context);
  await rejects(openEnvelope(old, context), /too old/);
});

Deno.test("open rejects another session's key", async () => {
  const a = await session();
  const b = await session();
  await rejects(openEnvelope(await b.seal(invoke("x")), a.context), /another session/);
  // Same sid forged onto another key's ciphertext: authentication fails.
  const forged = JSON.parse(await b.seal(invoke("x")));
  await rejects(openEnvelope(JSON.stringify({ ...forged, sid: a.key.sid }), a.context), /authentication/);
});

Deno.test("open rejects oversized and malformed envelopes before decrypting", async () => {
  const { context, seal } = await session();
  const wire = JSON.parse(await seal(invoke("x")));
  await rejects(openEnvelope("x".repeat(context.limits.maxMessageBytes * 2), context), /too large/);
  await rejects(openEnvelope(JSON.stringify({ ...wire, v: 2 }), context), /version/);
  await rejects(openEnvelope(JSON.stringify({ ...wire, sid: "zz" }), context), /sid/);
  await rejects(openEnvelope(JSON.stringify({ ...wire, seq: "1" }), context), /seq/);
  await rejects(openEnvelope(JSON.stringify({ ...wire, seq: -1 }), context), /sequence/);
  await rejects(openEnvelope(JSON.stringify({ ...wire, iv: "short" }), context), /iv/);
  await rejects(openEnvelope(JSON.stringify({ ...wire, ct: "!!!!" }), context), /ct/);
});

Deno.test("open checks the unsealed content's shape", async () => {
  const { context, seal } = await session();
  await rejects(openEnvelope(await seal("just a string"), context), /malformed message/);
  await rejects(openEnvelope(await seal({ ...invoke("x"), kind: "event" }), context), /kind/);
  await rejects(openEnvelope(await seal({ ...invoke("x"), nonce: 1 }), context), /nonce/);
  await rejects(openEnvelope(await seal({ ...invoke(""), cmd: "" }), context), /cmd/);
});

Deno.test("replay window: each number once, window slides", () => {
  const window = new ReplayWindow(8);
  for (const seq of [1, 2, 5, 3]) {
    assert.equal(window.check(seq), null);
    window.accept(seq);
  }
  assert.match(window.check(2)!, /replayed/);
  assert.equal(window.check(4), null);
  window.accept(20);
  assert.match(window.check(12)!, /too old/);
  assert.equal(window.check(13), null);
  assert.match(window.check(0)!, /invalid/);
  assert.match(window.check(1.5)!, /invalid/);
});

Deno.test("byte envelopes (large calls): round trip, and the string envelope's checks — tamper, replay, session, window", async () => {
  const { key, context } = await session();
  const sealKey = await crypto.subtle.importKey("raw", base64ToBytes(key.rawBase64), "AES-GCM", false, [
    "encrypt",
  ]);
  const call = invoke("big", { data: "x".repeat(100_000) });
  const sealed = await sealEnvelopeBytes(sealKey, "main", key.sid, 1, pack(call));
  assert.deepEqual(await openBinaryEnvelope(sealed, context), call);
  await rejects(openBinaryEnvelope(sealed, context), /replay|already/);
  const second = await sealEnvelopeBytes(sealKey, "main", key.sid, 2, pack(call));
  const flipped = second.slice();
  flipped[flipped.length - 20] ^= 1;
  await rejects(openBinaryEnvelope(flipped, context), /failed authentication/);
  // The sequence number is bound by the AAD: moving it breaks the tag.
  const moved = (await sealEnvelopeBytes(sealKey, "main", key.sid, 3, pack(call))).slice();
  new DataView(moved.buffer).setUint32(36, 4);
  await rejects(openBinaryEnvelope(moved, context), /failed authentication/);
  const otherWindow = await sealEnvelopeBytes(sealKey, "second", key.sid, 5, pack(call));
  await rejects(openBinaryEnvelope(otherWindow, context), /failed authentication/);
  const otherSession = await sealEnvelopeBytes(sealKey, "main", "f".repeat(32), 6, pack(call));
  await rejects(openBinaryEnvelope(otherSession, context), /another session/);
  await rejects(
    openBinaryEnvelope(new TextEncoder().encode("AIRB" + "0".repeat(80)), context),
    /sid|session/,
  );
  await rejects(openBinaryEnvelope(new Uint8Array(100), context), /not sealed by the isolation frame/);
});

Deno.test("a command name with a control character is refused before anything runs", async () => {
  const { context, seal } = await session();
  for (const cmd of ["greet\n", "plugin:window|set_title\u0000", "a\u007fb"]) {
    await rejects(openEnvelope(await seal(invoke(cmd)), context), /malformed message: cmd/);
  }
});

Deno.test("the core's synchronous decryption opens what WebCrypto sealed, and refuses what it would refuse", async () => {
  const { key, context, seal } = await session();
  const fast: OpenContext = { ...context, decrypt: key.decrypt };
  assert.deepEqual(
    await openEnvelope(await seal(invoke("greet", { name: "Ada" })), fast),
    invoke("greet", { name: "Ada" }),
  );
  const envelope = JSON.parse(await seal(invoke("greet")));
  const ct = base64ToBytes(envelope.ct);
  ct[0] ^= 1;
  await rejects(
    openEnvelope(JSON.stringify({ ...envelope, ct: bytesToBase64(ct) }), fast),
    /failed authentication/,
  );
  const other = JSON.parse(await seal(invoke("greet"), { window: "second" }));
  await rejects(openEnvelope(JSON.stringify(other), fast), /failed authentication/);
});
