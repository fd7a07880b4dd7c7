// The sealing half of the envelope protocol, shared verbatim by the isolation iframe (which seals) and the
// core's tests. Each function is self-contained apart from calling the others by name: runtime.ts ships
// their source text into the iframe, so they must not close over anything else in this module.

/**
 * Additional authenticated data: what the core routes on but does not need hidden. The core rebuilds these
 * bytes from its own knowledge (the window the message arrived on, the session it expects) plus the
 * header, so moving a ciphertext to another window, session or sequence number breaks its tag. The
 * leading version tag keeps a future wire format from ever being confused with this one.
 */
export function envelopeAad(window: string, sid: string, seq: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`airlock-v1\n${window}\n${sid}\n${seq}`);
}

/** The same for events the core sends down to the iframe: another tag, so neither direction's
 * envelopes can be passed off as the other's. */
export function eventAad(window: string, sid: string, seq: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`airlock-v1-event\n${window}\n${sid}\n${seq}`);
}

export function bytesToBase64(bytes: Uint8Array): string {
  // Native where the engine has it (WebKit 2.48+, V8 14+): several times faster on large payloads.
  const native = (bytes as unknown as { toBase64?: () => string }).toBase64;
  if (typeof native === "function") return native.call(bytes);
  let binary = "";
  // Chunked: String.fromCharCode(...bytes) overflows the argument limit on large payloads.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const native = (Uint8Array as unknown as {
    fromBase64?: (text: string, options: { lastChunkHandling: string }) => Uint8Array<ArrayBuffer>;
  }).fromBase64;
  // Strict: one spelling per byte string, so nothing opens under two different wire texts.
  if (typeof native === "function") return native(text, { lastChunkHandling: "strict" });
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
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
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: aad },
    key,
    plaintext,
  );
  return JSON.stringify({
    v: 1,
    sid,
    seq,
    iv: bytesToBase64(iv),
    ct: bytesToBase64(new Uint8Array(ciphertext)),
  });
}

/** A call, sealed by the iframe for the core (which opens it with openEnvelope). */
export function sealEnvelope(
  key: CryptoKey,
  window: string,
  sid: string,
  seq: number,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<string> {
  return sealWith(key, envelopeAad(window, sid, seq), sid, seq, plaintext);
}

/** An event, sealed by the core for the iframe (which opens it with openEvent). */
export function sealEvent(
  key: CryptoKey,
  window: string,
  sid: string,
  seq: number,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<string> {
  return sealWith(key, eventAad(window, sid, seq), sid, seq, plaintext);
}

/**
 * Opens an event from the core. Sequence numbers must rise (the core sends them in order and postMessage
 * keeps it), so a page re-posting a captured event gets nothing. Throws on anything else.
 */
export async function openEvent(
  key: CryptoKey,
  window: string,
  sid: string,
  lastSeq: number,
  wire: string,
): Promise<{ seq: number; plaintext: Uint8Array<ArrayBuffer> }> {
  const { v, sid: wireSid, seq, iv, ct } = JSON.parse(wire);
  if (v !== 1 || wireSid !== sid || !Number.isSafeInteger(seq) || seq <= lastSeq) {
    throw new Error("stale or foreign event");
  }
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: base64ToBytes(iv), additionalData: eventAad(window, sid, seq) },
    key,
    base64ToBytes(ct),
  );
  return { seq, plaintext: new Uint8Array(plaintext) };
}

/** The source text of the functions above, for embedding in the isolation document. */
export function sealSource(): string {
  return [envelopeAad, eventAad, bytesToBase64, base64ToBytes, sealWith, sealEnvelope, sealEvent, openEvent]
    .map(String).join("\n");
}
