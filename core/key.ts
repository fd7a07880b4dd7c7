// Session keys. A key is made by the core from the OS CSPRNG, handed raw exactly once (into the isolation
// document it is served with), and kept by the core as a non-extractable CryptoKey (encrypt for events)
// and inside a closure that opens calls synchronously (node:crypto: a small call's WebCrypto decrypt is an
// async hop to a worker thread, ~50 µs here, against ~7 µs in place).
import { createCipheriv, createDecipheriv } from "node:crypto";
import { bytesToBase64 } from "../protocol/seal.ts";

export interface SessionKey {
  /** Session id: names the key on the wire so the core can tell a stale session from a forged one. */
  sid: string;
  /** The core's copy: cannot be exported. */
  key: CryptoKey;
  /** The raw key for the isolation document, base64. */
  rawBase64: string;
  /** Opens AES-256-GCM ciphertext (its 16-byte tag last) under this key; throws when it does not
   * authenticate. */
  decrypt(iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array<ArrayBuffer>;
  /** Seals plaintext under this key: the ciphertext with its 16-byte tag last. */
  encrypt(iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array<ArrayBuffer>;
}

export async function createSessionKey(): Promise<SessionKey> {
  const raw = crypto.getRandomValues(new Uint8Array(32)); // AES-256
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt", "encrypt"]);
  const rawBase64 = bytesToBase64(raw);
  const secret = raw.slice();
  raw.fill(0);
  const decrypt = (iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => {
    const tag = sealed.subarray(sealed.byteLength - 16);
    const decipher = createDecipheriv("aes-256-gcm", secret, iv, { authTagLength: 16 });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const head = decipher.update(sealed.subarray(0, sealed.byteLength - 16));
    const tail = decipher.final(); // throws on a bad tag
    const out = new Uint8Array(head.byteLength + tail.byteLength);
    out.set(head, 0);
    out.set(tail, head.byteLength);
    return out;
  };
  const encrypt = (iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => {
    const cipher = createCipheriv("aes-256-gcm", secret, iv, { authTagLength: 16 });
    cipher.setAAD(aad);
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    const tag = cipher.getAuthTag();
    const out = new Uint8Array(head.byteLength + tail.byteLength + 16);
    out.set(head, 0);
    out.set(tail, head.byteLength);
    out.set(tag, head.byteLength + tail.byteLength);
    return out;
  };
  return { sid: randomHex(16), key, rawBase64, decrypt, encrypt };
}

/** n random bytes from the CSPRNG as hex: session ids and tickets, unguessable by a page. */
export function randomHex(n: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}
