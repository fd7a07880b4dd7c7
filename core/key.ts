// Session keys. A key is made by the core from the OS CSPRNG, handed raw exactly once (into the isolation
// document it is served with), and kept by the core only as a non-extractable CryptoKey (decrypt for calls, encrypt for events).
import { bytesToBase64 } from "../protocol/seal.ts";

export interface SessionKey {
  /** Session id: names the key on the wire so the core can tell a stale session from a forged one. */
  sid: string;
  /** The core's copy: cannot be exported. */
  key: CryptoKey;
  /** The raw key for the isolation document, base64. */
  rawBase64: string;
}

export async function createSessionKey(): Promise<SessionKey> {
  const raw = crypto.getRandomValues(new Uint8Array(32)); // AES-256
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt", "encrypt"]);
  const rawBase64 = bytesToBase64(raw);
  raw.fill(0);
  return { sid: randomHex(16), key, rawBase64 };
}

/** n random bytes from the CSPRNG as hex: session ids and tickets, unguessable by a page. */
export function randomHex(n: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}
