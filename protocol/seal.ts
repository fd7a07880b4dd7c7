// The sealing half of the envelope protocol, shared by the isolation runtime (which seals calls and opens
// events), the core (which opens calls and seals events) and the relay (base64). Every built-in comes
// from primordials.ts, so a script that runs after start cannot wrap crypto and catch a key or plaintext.
import {
  aesGcmDecrypt,
  aesGcmEncrypt,
  atobSafe,
  base64ToBytesNative,
  btoaSafe,
  bytesToBase64Native,
  dataViewGetUint32,
  dataViewSetUint32,
  fromCharCode,
  isSafeInteger,
  jsonParse,
  jsonStringify,
  own,
  randomBytes,
  SafeDataView,
  SafeError,
  SafeUint8Array,
  stringCharCodeAt,
  typedArrayBuffer,
  typedArrayByteLength,
  typedArrayByteOffset,
  typedArrayLength,
  typedArraySet,
  typedArraySubarray,
  utf8Decode,
  utf8Encode,
} from "./primordials.ts";

/**
 * Additional authenticated data: what the core routes on but does not need hidden. The core rebuilds these
 * bytes from its own knowledge (the window the message arrived on, the session it expects) plus the
 * header, so moving a ciphertext to another window, session or sequence number breaks its tag. The
 * leading version tag keeps a future wire format from ever being confused with this one.
 */
export function envelopeAad(window: string, sid: string, seq: number): Uint8Array<ArrayBuffer> {
  return utf8Encode(`airlock-v1\n${window}\n${sid}\n${seq}`);
}

/** The same for events the core sends down to the iframe: another tag, so neither direction's
 * envelopes can be passed off as the other's. */
export function eventAad(window: string, sid: string, seq: number): Uint8Array<ArrayBuffer> {
  return utf8Encode(`airlock-v1-event\n${window}\n${sid}\n${seq}`);
}

/** @example bytesToBase64(new Uint8Array([1, 2])) === "AQI=" */
export function bytesToBase64(bytes: Uint8Array): string {
  // Native where the engine has it (WebKit 2.48+, V8 14+): several times faster on large payloads.
  if (bytesToBase64Native) return bytesToBase64Native(bytes);
  let binary = "";
  const length = typedArrayLength(bytes);
  for (let i = 0; i < length; i += 0x8000) {
    const chunk = typedArraySubarray(bytes, i, i + 0x8000);
    for (let j = 0; j < typedArrayLength(chunk); j++) binary += fromCharCode(chunk[j]);
  }
  return btoaSafe(binary);
}

/** Strict: one spelling per byte string, so nothing opens under two different wire texts. Throws. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  if (base64ToBytesNative) return base64ToBytesNative(text);
  const binary = atobSafe(text);
  const bytes = new SafeUint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = stringCharCodeAt(binary, i);
  return bytes;
}

/**
 * Seals one message: AES-256-GCM with a fresh random 96-bit nonce (safe far beyond the message count of one
 * session key), the header bound as AAD. Returns the wire string the other side opens.
 */
export async function sealWith(
  key: CryptoKey,
  aad: Uint8Array<ArrayBuffer>,
  sid: string,
  seq: number,
  plaintext: Uint8Array<ArrayBuffer>,
  iv: Uint8Array<ArrayBuffer> = randomBytes(12),
): Promise<string> {
  const ciphertext = await aesGcmEncrypt(key, iv, aad, plaintext);
  return envelopeText(sid, seq, iv, new SafeUint8Array(ciphertext));
}

/** The string envelope around a ciphertext (its tag last). */
export function envelopeText(sid: string, seq: number, iv: Uint8Array, ciphertext: Uint8Array): string {
  // No prototype: JSON.stringify reads toJSON on what it is given (a getter the isolation app put on
  // Object.prototype would see, and could replace, the envelope).
  return jsonStringify({
    __proto__: null,
    v: 1,
    sid,
    seq,
    iv: bytesToBase64(iv),
    ct: bytesToBase64(ciphertext),
  });
}

/** A call, sealed by the iframe for the core (which opens it with openEnvelope). `iv` is for
 * reproducible tests only: by default each message gets a fresh random one. */
export function sealEnvelope(
  key: CryptoKey,
  window: string,
  sid: string,
  seq: number,
  plaintext: Uint8Array<ArrayBuffer>,
  iv?: Uint8Array<ArrayBuffer>,
): Promise<string> {
  return sealWith(key, envelopeAad(window, sid, seq), sid, seq, plaintext, iv);
}

/**
 * Opens an event from the core. Sequence numbers must rise (the core sends them in order and postMessage
 * keeps it), so a re-posted captured event gets nothing. Throws on anything else.
 */
export async function openEvent(
  key: CryptoKey,
  window: string,
  sid: string,
  lastSeq: number,
  wire: string,
): Promise<{ seq: number; plaintext: Uint8Array<ArrayBuffer> }> {
  const envelope = jsonParse(wire);
  const seq = own(envelope, "seq") as number;
  const iv = own(envelope, "iv");
  const ct = own(envelope, "ct");
  if (
    own(envelope, "v") !== 1 || own(envelope, "sid") !== sid || !isSafeInteger(seq) || seq <= lastSeq ||
    typeof iv !== "string" || typeof ct !== "string"
  ) {
    throw new SafeError("stale or foreign event");
  }
  const plaintext = await aesGcmDecrypt(
    key,
    base64ToBytes(iv),
    eventAad(window, sid, seq),
    base64ToBytes(ct),
  );
  return { seq, plaintext: new SafeUint8Array(plaintext) };
}

/**
 * A large call's envelope as bytes, for the relay to POST rather than to send as a string (a third larger
 * in base64, and read through two string copies): "AIRB", the session id (32 hex characters), the
 * sequence number (4 bytes, big-endian), the 12-byte IV, then the ciphertext with its tag. Same key, same
 * AAD, same checks on the other side as the string envelope.
 */
export async function sealEnvelopeBytes(
  key: CryptoKey,
  window: string,
  sid: string,
  seq: number,
  plaintext: Uint8Array<ArrayBuffer>,
  iv: Uint8Array<ArrayBuffer> = randomBytes(12),
): Promise<Uint8Array<ArrayBuffer>> {
  const ciphertext = new SafeUint8Array(
    await aesGcmEncrypt(key, iv, envelopeAad(window, sid, seq), plaintext),
  );
  const out = new SafeUint8Array(BINARY_HEADER_BYTES + typedArrayLength(ciphertext));
  typedArraySet(out, BINARY_MAGIC, 0);
  typedArraySet(out, utf8Encode(sid), 4);
  dataViewSetUint32(new SafeDataView(typedArrayBuffer(out)), 36, seq);
  typedArraySet(out, iv, 40);
  typedArraySet(out, ciphertext, BINARY_HEADER_BYTES);
  return out;
}

const BINARY_MAGIC = utf8Encode("AIRB");
/** Magic, session id, sequence number, IV. */
export const BINARY_HEADER_BYTES = 4 + 32 + 4 + 12;

/** The parts of a byte envelope, or null when it is not one (the core checks each part further). */
export function binaryEnvelopeParts(
  bytes: Uint8Array<ArrayBuffer>,
): { sid: string; seq: number; iv: Uint8Array<ArrayBuffer>; ct: Uint8Array<ArrayBuffer> } | null {
  if (typedArrayLength(bytes) < BINARY_HEADER_BYTES + 16) return null;
  for (let i = 0; i < 4; i++) if (bytes[i] !== BINARY_MAGIC[i]) return null;
  let sid: string;
  try {
    sid = utf8Decode(typedArraySubarray(bytes, 4, 36));
  } catch {
    return null;
  }
  const view = new SafeDataView(
    typedArrayBuffer(bytes),
    typedArrayByteOffset(bytes),
    typedArrayByteLength(bytes),
  );
  return {
    sid,
    seq: dataViewGetUint32(view, 36),
    iv: typedArraySubarray(bytes, 40, BINARY_HEADER_BYTES) as Uint8Array<ArrayBuffer>,
    ct: typedArraySubarray(bytes, BINARY_HEADER_BYTES) as Uint8Array<ArrayBuffer>,
  };
}
