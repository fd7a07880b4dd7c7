// AES-256-GCM for small calls without waiting on WebCrypto. Each WebCrypto call hops to a work-queue
// thread and back (≈ 0.08 ms here, a sixth of a small call's round trip), so the frame makes the AES part
// ahead of time, with WebCrypto's own GCM: for a fresh random IV, encrypting nothing gives E(K, J0) (the
// tag's mask) and encrypting zeros gives the key stream GCM XORs a message with. A small call then costs an
// XOR and a GHASH in JS — standard GCM, opened by the core like any other envelope. GHASH's multiplier
// H = E(K, 0¹²⁸) comes once from two tags of one start-up IV (see findH). GHASH multiplies bit by bit with
// masks, not tables, so its timing does not depend on the key or the data. Each IV's stream seals one
// message and is dropped; when none is ready, the call takes WebCrypto's GCM. (AES-CTR would give the
// same blocks more directly, but WebKit prints a security warning for every page that uses it.)
import {
  aesGcmEncrypt,
  arrayBufferByteLength,
  promiseThen,
  randomBytes,
  SafeInt32Array,
  SafeUint8Array,
  typedArrayLength,
} from "../protocol/primordials.ts";

/** The largest plaintext sealed from a ready stream; larger calls take WebCrypto's GCM. */
export const QUICK_SEAL_BYTES = 4096;
/** Streams kept ready: enough for a burst of calls in flight; each is 4 KiB. */
const READY_TARGET = 32;

interface Stream {
  iv: Uint8Array<ArrayBuffer>;
  /** E(K, J0), 16 bytes. */
  mask: Uint8Array<ArrayBuffer>;
  /** The key stream from inc32(J0) on, QUICK_SEAL_BYTES long. */
  bytes: Uint8Array<ArrayBuffer>;
  next: Stream | null;
}

export interface QuickSealer {
  /** The IV and ciphertext‖tag of `plaintext` under `aad`, or null (too large, or no stream ready). */
  seal(
    aad: Uint8Array,
    plaintext: Uint8Array,
  ): { iv: Uint8Array<ArrayBuffer>; sealed: Uint8Array<ArrayBuffer> } | null;
  /** Streams ready now (for tests). */
  readonly ready: number;
}

const NOTHING = new SafeUint8Array(0);
/** The tag (last 16 bytes) of a WebCrypto GCM result, read with captured getters only. */
const tagOf = (sealed: ArrayBuffer) => new SafeUint8Array(sealed, arrayBufferByteLength(sealed) - 16, 16);
const ignore = () => {};

/**
 * Starts making streams with `key` (the session's AES-256-GCM key, encrypt allowed).
 *
 * The isolation app runs in this realm after us and may patch what it likes (Promise.prototype.then,
 * constructors, getters), so no secret here is ever a promise's resolution value or a callback's return
 * (resolution looks up `then` on it, at run time), and none goes through a method that looks up a species.
 * Each callback stores what it got in this closure and returns nothing. What the language itself looks up
 * on the way (the value's `then` when WebCrypto settles, the promise's `constructor` and species when it
 * is awaited or chained) the runtime fixes before the app runs (isolation/runtime.ts lockIntrinsics).
 *
 * @example
 * const sealer = createQuickSealer(importAesKey(raw));
 * const out = sealer.seal(aad, plaintext); // null until the first streams are made
 */
export function createQuickSealer(key: Promise<CryptoKey>): QuickSealer {
  let cryptoKey: CryptoKey | null = null;
  let h: Int32Array | null = null;
  let head: Stream | null = null;
  let tail: Stream | null = null;
  let ready = 0;
  let making = 0;

  promiseThen(key, (imported) => {
    cryptoKey = imported;
    findH();
  }, ignore); // no key, no quick path: every call takes WebCrypto's GCM (and fails there, saying why)

  /**
   * H = E(K, 0¹²⁸) through WebCrypto's GCM alone. For one IV (used for nothing else, its output never
   * leaves the frame): the tag of (no AAD, no text) is E(K, J0), since GHASH of an all-zero length block
   * is 0; the tag of (one zero block of AAD, no text) is L·H ⊕ E(K, J0), with L the length block of 128
   * bits of AAD. So H = L⁻¹ · (second tag ⊕ first tag).
   */
  function findH() {
    const iv = randomBytes(12);
    let first: Int32Array | null = null, second: Int32Array | null = null;
    const both = () => {
      if (first === null || second === null) return;
      const lh = new SafeInt32Array(4);
      for (let i = 0; i < 4; i++) lh[i] = first[i] ^ second[i];
      const lengthBlock = new SafeInt32Array(4);
      lengthBlock[1] = 128;
      const inverse = invert(lengthBlock);
      const found = new SafeInt32Array(4);
      multiply(inverse[0], inverse[1], inverse[2], inverse[3], lh, found);
      h = found;
      refill();
    };
    promiseThen(aesGcmEncrypt(cryptoKey!, iv, NOTHING, NOTHING), (tag) => {
      first = wordsOf(tagOf(tag), 0);
      both();
    }, ignore);
    promiseThen(aesGcmEncrypt(cryptoKey!, iv, new SafeUint8Array(16), NOTHING), (tag) => {
      second = wordsOf(tagOf(tag), 0);
      both();
    }, ignore);
  }

  /** Starts making streams until READY_TARGET are ready or on their way. Per stream: two GCM seals with
   * its IV, of nothing (the mask) and of zeros (the key stream), done in parallel. */
  function refill() {
    while (ready + making < READY_TARGET) {
      making++;
      const iv = randomBytes(12);
      let mask: Uint8Array<ArrayBuffer> | null = null, bytes: Uint8Array<ArrayBuffer> | null = null;
      let failed = false;
      const done = () => {
        if (mask === null || bytes === null) return;
        making--;
        const stream: Stream = { __proto__: null, iv, mask, bytes, next: null } as Stream;
        if (tail) tail.next = stream;
        else head = stream;
        tail = stream;
        ready++;
      };
      const fail = () => {
        if (!failed) making--;
        failed = true;
      };
      promiseThen(aesGcmEncrypt(cryptoKey!, iv, NOTHING, NOTHING), (empty) => {
        mask = tagOf(empty);
        done();
      }, fail);
      promiseThen(aesGcmEncrypt(cryptoKey!, iv, NOTHING, new SafeUint8Array(QUICK_SEAL_BYTES)), (zeros) => {
        bytes = new SafeUint8Array(zeros, 0, QUICK_SEAL_BYTES);
        done();
      }, fail);
    }
  }

  return {
    __proto__: null,
    get ready() {
      return ready;
    },
    seal(aad, plaintext) {
      const length = typedArrayLength(plaintext);
      const stream = head;
      if (h === null || stream === null || length > QUICK_SEAL_BYTES) return null;
      head = stream.next;
      if (head === null) tail = null;
      ready--;
      // In batches: WebCrypto's results reach this thread as tasks, and a batch of them costs fewer
      // wake-ups of the frame's event loop than one pair per call.
      if (ready + making < READY_TARGET / 2) refill();
      const { bytes, mask } = stream;
      const sealed = new SafeUint8Array(length + 16);
      for (let i = 0; i < length; i++) sealed[i] = plaintext[i] ^ bytes[i];
      const tag = ghash(h, aad, sealed, length);
      for (let i = 0; i < 16; i++) sealed[length + i] = tag[i] ^ mask[i];
      return { iv: stream.iv, sealed };
    },
  } as QuickSealer;
}

/** a⁻¹ = a^(2¹²⁸ − 2) in GF(2¹²⁸): square-and-multiply over an exponent of 127 ones and a zero. */
function invert(a: Int32Array): Int32Array {
  const r = new SafeInt32Array(4);
  for (let i = 0; i < 4; i++) r[i] = a[i];
  for (let i = 0; i < 126; i++) {
    multiply(r[0], r[1], r[2], r[3], r, r); // r²
    multiply(r[0], r[1], r[2], r[3], a, r); // · a
  }
  multiply(r[0], r[1], r[2], r[3], r, r);
  return r;
}

/** GHASH_H(A, C) (NIST SP 800-38D), as 16 bytes: A and C (its first ciphertextLength bytes) zero-padded
 * to blocks, then their bit lengths. */
export function ghash(
  h: Int32Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  ciphertextLength: number,
): Uint8Array<ArrayBuffer> {
  const x = new SafeInt32Array(4);
  absorb(x, h, aad, typedArrayLength(aad));
  absorb(x, h, ciphertext, ciphertextLength);
  const lengths = new SafeUint8Array(16);
  putWord(lengths, 4, typedArrayLength(aad) * 8);
  putWord(lengths, 12, ciphertextLength * 8);
  absorb(x, h, lengths, 16);
  const out = new SafeUint8Array(16);
  for (let i = 0; i < 4; i++) putWord(out, 4 * i, x[i]);
  return out;
}

/** x = (x ⊕ block) · H for each 16-byte block of data[0, length), the last one zero-padded. */
function absorb(x: Int32Array, h: Int32Array, data: Uint8Array, length: number): void {
  const block = new SafeInt32Array(4);
  for (let at = 0; at < length; at += 16) {
    block[0] =
      block[1] =
      block[2] =
      block[3] =
        0;
    const end = at + 16 < length ? at + 16 : length;
    for (let i = at; i < end; i++) block[(i - at) >> 2] |= data[i] << (24 - 8 * ((i - at) & 3));
    multiply(x[0] ^ block[0], x[1] ^ block[1], x[2] ^ block[2], x[3] ^ block[3], h, x);
  }
}

/** out = X · H in GF(2¹²⁸) with GCM's bit order: one bit of X at a time, selected by a mask, not a
 * branch; V = H shifted right each step, reduced by R = 0xe1‖0¹²⁰ when a one falls off (also masked). */
function multiply(x0: number, x1: number, x2: number, x3: number, h: Int32Array, out: Int32Array): void {
  let z0 = 0, z1 = 0, z2 = 0, z3 = 0;
  let v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3];
  for (let word = 0; word < 4; word++) {
    const bits = word === 0 ? x0 : word === 1 ? x1 : word === 2 ? x2 : x3;
    for (let bit = 31; bit >= 0; bit--) {
      const take = -((bits >>> bit) & 1);
      z0 ^= v0 & take;
      z1 ^= v1 & take;
      z2 ^= v2 & take;
      z3 ^= v3 & take;
      const reduce = -(v3 & 1);
      v3 = (v3 >>> 1) | (v2 << 31);
      v2 = (v2 >>> 1) | (v1 << 31);
      v1 = (v1 >>> 1) | (v0 << 31);
      v0 = (v0 >>> 1) ^ (0xe1000000 & reduce);
    }
  }
  out[0] = z0;
  out[1] = z1;
  out[2] = z2;
  out[3] = z3;
}

function wordsOf(bytes: Uint8Array, at: number): Int32Array {
  const words = new SafeInt32Array(4);
  for (let i = 0; i < 16; i++) words[i >> 2] |= bytes[at + i] << (24 - 8 * (i & 3));
  return words;
}

function putWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word >>> 24;
  bytes[at + 1] = (word >>> 16) & 255;
  bytes[at + 2] = (word >>> 8) & 255;
  bytes[at + 3] = word & 255;
}
