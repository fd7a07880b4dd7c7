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
  const native =
    (Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array<ArrayBuffer> }).fromBase64;
  if (typeof native === "function") return native(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Seals one message: AES-256-GCM with a fresh random 96-bit nonce (safe far beyond the message count of one
 * session key), the header bound as AAD. Returns the wire string the core's openEnvelope accepts.
 */
export async function sealEnvelope(
  key: CryptoKey,
  window: string,
  sid: string,
  seq: number,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: envelopeAad(window, sid, seq) },
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

/** The source text of the functions above, for embedding in the isolation document. */
export function sealSource(): string {
  return [envelopeAad, bytesToBase64, base64ToBytes, sealEnvelope].map(String).join("\n");
}
