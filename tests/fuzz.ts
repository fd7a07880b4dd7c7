// `deno task fuzz [--seed N] [--count N] [--plain-count N] [--case K | --plain-case K]`: feeds random and
// mutated envelopes to the core's open path (openEnvelope, IsolationSession.open) and mutated packed messages
// to its plaintext decoder (unpackMessage + validateInvocation).
//
// Every input is rejected with a RejectedMessage for a reason the core is known to give, or it is a finding:
//   crash     anything thrown that is not a RejectedMessage, or a RejectedMessage for an unknown reason (the
//             core wraps the decoder's errors, so an engine TypeError would otherwise pass as a rejection;
//             a new reason in the core belongs in CONTENT_REASONS / ENVELOPE_REASONS below), or an open
//             that never settles;
//   accepted  an envelope that opened although it is not, byte for byte, a genuine sealed envelope whose
//             number this session has yet to spend: a forgery, an altered call, or a replay.
// One kind of opening is not a finding and is counted apart, as "equiv": a mutation that leaves the
// authenticated envelope unchanged (JSON whitespace or key order, a number written 1.0, base64 with
// non-canonical padding bits) opens the genuine call once; the fuzzer then checks that the genuine
// envelope is refused as a replay, so the sequence number is spent either way.
// Controls make sure nothing passes by refusing everything: every genuine envelope opens to exactly the
// call that was sealed, and is refused when sent again.
//
// Reproducible: the seed drives the mutations and also the corpus (key, session id and IVs come from a
// seeded generator while the corpus is sealed), so `--seed S --case K` replays case K exactly. Only the
// race class's IsolationSession half seals with real randomness; its schedule is still seeded.
// The decoder may accept (a mutation can still be a valid message), but must not crash, nor spend more than
// --slow-ms (250) on one message. Exit status 1 on any finding or failed control.
import { isDeepStrictEqual } from "node:util";
import {
  type Invocation,
  type Limits,
  type OpenContext,
  openEnvelope,
  RejectedMessage,
  unpackMessage,
  validateInvocation,
} from "../core/envelope.ts";
import { createSessionKey, type SessionKey } from "../core/key.ts";
import { ReplayWindow } from "../core/replay.ts";
import { IsolationSession } from "../core/session.ts";
import {
  base64ToBytes,
  bytesToBase64,
  envelopeText,
  eventAad,
  sealEnvelope as sealEnvelopeWith,
} from "../protocol/seal.ts";
import { packMessage } from "../protocol/wire.ts";

// ---------------------------------------------------------------------------------------------------------
// Seeded randomness

/** sfc32, seeded through a splitmix-style hash of (seed, stream, index): every case has its own stream. */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, stream = 0, index = 0) {
    let s =
      (seed ^ Math.imul(stream + 0x632be5ab, 0x9e3779b9) ^ Math.imul(index + 0x1b873593, 0x85ebca6b)) >>>
      0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next() ^ index;
    this.#c = next() ^ stream;
    this.#d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  u32(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** [0, 1) */
  float(): number {
    return this.u32() / 0x100000000;
  }

  /** [0, n) */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** [lo, hi], inclusive */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: ArrayLike<T>): T {
    return items[this.int(items.length)];
  }

  /** Small sizes are likelier: a uniform bit length, then a uniform value of that length. */
  size(max: number): number {
    const bits = this.int(Math.ceil(Math.log2(max + 1)) + 1);
    return Math.min(max, this.int(2 ** bits));
  }

  bytes(n: number): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const r = this.u32();
      out[i] = r;
      if (i + 1 < n) out[i + 1] = r >>> 8;
      if (i + 2 < n) out[i + 2] = r >>> 16;
      if (i + 3 < n) out[i + 3] = r >>> 24;
    }
    return out;
  }

  hex(n: number): string {
    return Array.from(this.bytes(n), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

// The protocol takes its randomness at start (protocol/primordials.ts): the IVs come from the seeded
// crypto.getRandomValues here instead, so a seed reproduces every ciphertext.
const seededIv = () => crypto.getRandomValues(new Uint8Array(12));
const sealEnvelope = (
  key: CryptoKey,
  window: string,
  sid: string,
  seq: number,
  plaintext: Uint8Array<ArrayBuffer>,
) => sealEnvelopeWith(key, window, sid, seq, plaintext, seededIv());
/** An event as the core seals it for the iframe (its own key, the event AAD). */
const sealEvent = (key: SessionKey, window: string, seq: number, plaintext: Uint8Array<ArrayBuffer>) => {
  const iv = seededIv();
  return envelopeText(key.sid, seq, iv, key.encrypt(iv, eventAad(window, key.sid, seq), plaintext));
};

/** Runs body with crypto.getRandomValues drawing from rng, so keys, session ids and IVs are reproducible. */
async function withSeededRandom<T>(rng: Rng, body: () => Promise<T>): Promise<T> {
  const target = crypto as unknown as Record<string, unknown>;
  Object.defineProperty(target, "getRandomValues", {
    configurable: true,
    writable: true,
    value: <V extends ArrayBufferView | null>(array: V): V => {
      if (array) {
        new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(rng.bytes(array.byteLength));
      }
      return array;
    },
  });
  try {
    return await body();
  } finally {
    delete target.getRandomValues;
  }
}

// ---------------------------------------------------------------------------------------------------------
// What the core may say when it refuses something (core/envelope.ts, protocol/wire.ts, core/replay.ts)

const AUTH = /^message failed authentication \(tampered, or not sealed with this session's key\)$/;
const CONTENT_REASONS: RegExp[] = [
  /^message too large \(\d+ bytes, limit \d+\)$/,
  /^malformed message: (truncated|lengths exceed the message|not UTF-8 JSON|blob lengths|blob past the end|trailing bytes|byte reference|more blobs than references|nonce|cmd)$/,
  /^message content is not valid JSON$/,
  /^message nests deeper than \d+ levels$/,
  /^sealed content is not an object$/,
  /^unsupported message kind$/,
  /^message kind (invoke|event) does not match its command$/,
];
const ENVELOPE_REASONS: RegExp[] = [
  /^message too large \(\d+ bytes on the wire\)$/,
  /^message is not valid JSON$/,
  /^message is not sealed by the isolation frame$/,
  /^unsupported envelope version$/,
  /^malformed envelope: (sid|seq|iv|ct)$/,
  /^message sealed for another session \(stale key or forged\)$/,
  /^invalid sequence number$/,
  /^message too old \(outside the replay window\)$/,
  /^replayed message$/,
  AUTH,
];
const REPLAY = /^(replayed message|message too old \(outside the replay window\))$/;

type Refusal = "rejected" | "auth" | "crash";

function refusal(error: unknown, content = false): Refusal {
  if (!(error instanceof RejectedMessage)) return "crash";
  if (AUTH.test(error.message)) return content ? "crash" : "auth";
  const known = content ? CONTENT_REASONS : [...ENVELOPE_REASONS, ...CONTENT_REASONS];
  return known.some((reason) => reason.test(error.message)) ? "rejected" : "crash";
}

function describe(error: unknown): string {
  if (error instanceof RejectedMessage) return `RejectedMessage: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}\n${error.stack ?? ""}`;
  return `thrown non-Error: ${String(error)}`;
}

function preview(input: string | Uint8Array, max = 300): string {
  if (typeof input === "string") {
    const text = JSON.stringify(input);
    return input.length <= max ? text : `${JSON.stringify(input.slice(0, max))}… (${input.length} chars)`;
  }
  const hex = Array.from(input.subarray(0, max / 2), (b) => b.toString(16).padStart(2, "0")).join("");
  return input.length <= max / 2 ? hex : `${hex}… (${input.length} bytes)`;
}

// ---------------------------------------------------------------------------------------------------------
// The corpus: genuine sealed envelopes with varied payloads, and a few sealed with the wrong key or AAD

const WINDOW = "main";
/** Replay-window edges: the window is 128 numbers (core/replay.ts). */
const MID_SEQS = [200, 255, 256, 327, 328, 329, 383, 384, 456, 511, 600];
const EVENT_PREFIX = "plugin:event|";

interface Body {
  /** What is sealed: a message for packMessage, or raw bytes (content that is not a packed message). */
  message: Record<string, unknown> | Uint8Array<ArrayBuffer>;
  /** The call openEnvelope must return, or null when the content must be refused after authentication. */
  expected: Invocation | null;
}

export interface Original {
  id: number;
  seq: number;
  wire: string;
  iv: string;
  ct: string;
  packed: Uint8Array<ArrayBuffer>;
  expected: Invocation | null;
}

interface Corpus {
  sid: string;
  key: CryptoKey;
  /** The core's synchronous decryption of the same key (what a window's session opens with). */
  decrypt: OpenContext["decrypt"];
  limits: Limits;
  originals: Original[];
  /** Originals whose numbers fit in one replay window, all spent in `spent`. */
  low: Original[];
  /** Numbers around the window's edge from each other (MID_SEQS). */
  mid: Original[];
  /** The large sequence numbers (far apart), for "too old" and number-edge cases. */
  high: Original[];
  /** "seq|iv|ct" (canonical base64) → the genuine envelope it is. */
  byContent: Map<string, Original>;
  /** The genuine envelopes' exact wire strings. */
  wires: Set<string>;
  /** Envelopes that must never open here: another key (same sid), window, direction, or session. */
  foreign: { label: string; wire: string }[];
  /** Packed plaintexts for the decoder fuzz: the originals' and some built by hand. */
  plaintexts: Uint8Array<ArrayBuffer>[];
  /** A replay window in which every low original has been accepted. */
  spent: OpenContext;
}

/** A JSON object with arbitrary keys set as own data properties ("__proto__" included). */
function record(entries: [string, unknown][]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** What a value looks like after packMessage → unpackMessage: views come back as Uint8Array copies. */
function normalize(value: unknown): unknown {
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  }
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    return record(Object.keys(value).map((key) => [key, normalize((value as Record<string, unknown>)[key])]));
  }
  return value;
}

function randomString(rng: Rng, max: number): string {
  const n = rng.size(max);
  let out = "";
  for (let i = 0; i < n; i++) out += randomChar(rng);
  return out;
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("");
const STRUCTURAL = '{}[]:,"\\ \t\n\r';
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX = "0123456789abcdef";

function randomChar(rng: Rng): string {
  switch (rng.int(10)) {
    case 0:
    case 1:
    case 2:
      return rng.pick(PRINTABLE);
    case 3:
      return rng.pick(STRUCTURAL);
    case 4:
      return rng.pick(B64 + "=");
    case 5:
      return rng.pick("0123456789-+.eE");
    case 6:
      return String.fromCharCode(rng.int(0x10000)); // lone surrogates included
    case 7:
      return String.fromCharCode(rng.int(32));
    case 8:
      return rng.pick(["é", "✓", "🚀", "\u2028", "\ufeff", "\u202e", "\0", "\ud800", "\udfff"]);
    default:
      return rng.pick("\"'`\\/$_");
  }
}

/** A random payload that survives JSON exactly (no -0, no undefined), with blobs here and there. */
function randomPayload(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth >= 4 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.int(2 ** 31) - 2 ** 30 || 0;
    case 3:
      return rng.pick([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e308, 5e-324, 0.1, 123.456e-7]);
    case 4:
      return randomString(rng, 64);
    case 5:
      return rng.bytes(rng.size(512));
    case 6:
      return Array.from({ length: rng.size(8) }, () => randomPayload(rng, depth + 1));
    default:
      return record(
        Array.from(
          { length: rng.size(8) },
          () =>
            [
              rng.chance(0.1)
                ? rng.pick(["__proto__", "constructor", "toString", "$byte", "x$bytes"])
                : randomString(rng, 12),
              randomPayload(rng, depth + 1),
            ] as [string, unknown],
        ).filter(([key]) => key !== "$bytes"),
      );
  }
}

function nest(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function makeBodies(rng: Rng, limits: Limits): Body[] {
  const bodies: Body[] = [];
  const call = (cmd: string, payload: unknown, options: unknown = null, kind = "invoke") => {
    const message = { kind, nonce: rng.hex(16), cmd, payload, options };
    bodies.push({
      message,
      expected: {
        kind: kind as Invocation["kind"],
        nonce: message.nonce,
        cmd,
        payload: normalize(payload) ?? null,
        options: normalize(options) ?? null,
      },
    });
  };
  const bad = (message: Record<string, unknown> | Uint8Array<ArrayBuffer>) =>
    bodies.push({ message, expected: null });

  call("greet", { name: "Ada" });
  call("ping", {});
  call("ping", null, { headers: { "x-trace": "1" } });
  call("echo", { text: "héllo wörld ✓ 🚀 \u202e rtl \0 nul\n\t\u2028", lone: "\ud800", back: '\\"' });
  call("numbers", [0, -1, 1.5, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e308, 5e-324, 0.1]);
  call("deep", { tree: nest(limits.maxDepth - 3, "leaf") });
  call("blob", { data: new Uint8Array(0) });
  call("blob", { data: rng.bytes(rng.range(1, 64)) });
  call("blob", { data: rng.bytes(1024) });
  call("blob", { data: rng.bytes(4096), name: "file.bin" });
  call("blobs", { parts: [rng.bytes(10), new Uint8Array(0), { inner: rng.bytes(300) }] });
  call("buffer", { data: rng.bytes(77).buffer });
  call("view", { data: rng.bytes(100).subarray(13, 61) });
  call("typed", { shorts: new Int16Array([1, -2, 300]), view: new DataView(rng.bytes(9).buffer, 2, 5) });
  call("large", { data: rng.bytes(16 * 1024) });
  call("large", { data: rng.bytes(Math.min(40 * 1024, limits.maxMessageBytes / 2)) });
  call("many", { blobs: Array.from({ length: 200 }, () => rng.bytes(rng.int(9))) });
  call("x".repeat(256), {});
  call("plugin:fs|read_file", { path: "/etc/passwd" });
  call("proto", record([["__proto__", { polluted: true }], ["constructor", { prototype: 1 }]]));
  call("proto-blob", record([["__proto__", rng.bytes(3)]]));
  call("string", { text: "z".repeat(8192) });
  call("lookalike", { $byte: 1, x$bytes: 2, bytes: { $bytes_: 0 } });
  call("wide", { items: Array.from({ length: 500 }, (_, i) => ({ i, s: String(i) })) });
  call(`${EVENT_PREFIX}listen`, { event: "tick", handler: 3 }, null, "event");
  call(`${EVENT_PREFIX}emit`, { event: "tick", payload: rng.bytes(20) }, null, "event");
  // Command names are any text but control characters (which the core refuses, below).
  const name = () => [...randomString(rng, 40)].filter((c) => c >= " " && c !== "\u007f").join("") || "r";
  for (let i = 0; i < 18; i++) call(name(), randomPayload(rng), randomPayload(rng));

  // Genuinely sealed, but not an acceptable call: must be refused after authentication.
  bad(new TextEncoder().encode("just a string"));
  bad(rng.bytes(100));
  bad(new Uint8Array(0));
  bad({ kind: "event", nonce: rng.hex(16), cmd: "greet", payload: {} });
  bad({ kind: "invoke", nonce: rng.hex(16), cmd: `${EVENT_PREFIX}emit`, payload: {} });
  bad({ kind: "answer", nonce: rng.hex(16), cmd: "greet" });
  bad({ nonce: rng.hex(16), cmd: "greet" });
  bad({ kind: "invoke", nonce: "xyz", cmd: "greet" });
  bad({ kind: "invoke", nonce: rng.hex(16).toUpperCase(), cmd: "greet" });
  bad({ kind: "invoke", nonce: rng.hex(16), cmd: "" });
  bad({ kind: "invoke", nonce: rng.hex(16), cmd: "y".repeat(257) });
  bad({ kind: "invoke", nonce: rng.hex(16), cmd: "plugin:window|set_title\n" });
  bad({ kind: "invoke", nonce: rng.hex(16), cmd: 7 });
  bad({ kind: "invoke", nonce: rng.hex(16), cmd: "deep", payload: nest(limits.maxDepth + 1, 0) });
  bad({ kind: "invoke", nonce: rng.hex(16), cmd: "huge", payload: rng.bytes(limits.maxMessageBytes + 1) });
  bad(handPacked('{"kind":"invoke","nonce":"' + rng.hex(16) + '","cmd":"x","payload":{"$bytes":5}}', "[]"));
  bad(handPacked('{"kind":"invoke","nonce":"' + rng.hex(16) + '","cmd":"x"}', "[]", new Uint8Array(3)));
  return bodies;
}

/** A packed message laid out by hand: 4-byte JSON length, 4-byte lengths length, JSON, lengths, blobs. */
function handPacked(
  json: string | Uint8Array,
  lengths: string | Uint8Array,
  blobs: Uint8Array = new Uint8Array(0),
): Uint8Array<ArrayBuffer> {
  const body = typeof json === "string" ? new TextEncoder().encode(json) : json;
  const list = typeof lengths === "string" ? new TextEncoder().encode(lengths) : lengths;
  const out = new Uint8Array(8 + body.length + list.length + blobs.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  view.setUint32(4, list.length);
  out.set(body, 8);
  out.set(list, 8 + body.length);
  out.set(blobs, 8 + body.length + list.length);
  return out;
}

async function importSealKey(rawBase64: string): Promise<CryptoKey> {
  return await crypto.subtle.importKey("raw", base64ToBytes(rawBase64), "AES-GCM", false, ["encrypt"]);
}

function contentKey(seq: number, iv: Uint8Array, ct: Uint8Array): string {
  return `${seq}|${bytesToBase64(iv)}|${bytesToBase64(ct)}`;
}

function newContext(corpus: Pick<Corpus, "sid" | "key" | "limits" | "decrypt">): OpenContext {
  return {
    window: WINDOW,
    sid: corpus.sid,
    key: corpus.key,
    decrypt: corpus.decrypt,
    replay: new ReplayWindow(),
    limits: corpus.limits,
  };
}

async function buildCorpus(seed: number, limits: Limits): Promise<Corpus> {
  const rng = new Rng(seed, 0, 0);
  return await withSeededRandom(rng, async () => {
    const session = await createSessionKey();
    const sealKey = await importSealKey(session.rawBase64);
    const other = await createSessionKey();
    const otherSealKey = await importSealKey(other.rawBase64);
    const bodies = makeBodies(rng, limits);
    const pack = (body: Body) =>
      body.message instanceof Uint8Array ? body.message : packMessage(body.message);

    // Numbers 1..n (shuffled over the bodies) fit one window. Mid numbers sit around the window's edge
    // from each other and from the low ones (gaps of 127, 128, 129, ... 255, 256); four more are far apart.
    const seqs = rng.shuffle(bodies.map((_, i) => i + 1));
    const plan: [Body, number][] = bodies.map((body, i) => [body, seqs[i]]);
    for (const seq of MID_SEQS) plan.push([rng.pick(bodies), seq]);
    const valid = bodies.filter((body) => body.expected);
    for (const seq of [1000, 2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
      plan.push([rng.pick(valid), seq]);
    }

    const originals: Original[] = [];
    for (const [body, seq] of plan) {
      const packed = pack(body);
      const wire = await sealEnvelope(sealKey, WINDOW, session.sid, seq, packed);
      const { iv, ct } = JSON.parse(wire);
      originals.push({ id: originals.length, seq, wire, iv, ct, packed, expected: body.expected });
    }
    const foreign: { label: string; wire: string }[] = [];
    for (const original of originals.slice(0, 12)) {
      const { seq, packed } = original;
      foreign.push(
        {
          label: "other key, same sid",
          wire: await sealEnvelope(otherSealKey, WINDOW, session.sid, seq, packed),
        },
        {
          label: "other window",
          wire: await sealEnvelope(
            sealKey,
            rng.pick(["settings", "Main", "main ", ""]),
            session.sid,
            seq,
            packed,
          ),
        },
        { label: "core→iframe event", wire: sealEvent(session, WINDOW, seq, packed) },
        { label: "other session", wire: await sealEnvelope(otherSealKey, WINDOW, other.sid, seq, packed) },
        { label: "no AAD", wire: await sealWithAad(sealKey, new Uint8Array(0), session.sid, seq, packed) },
        {
          label: "AAD spelled differently",
          wire: await sealWithAad(
            sealKey,
            new TextEncoder().encode(
              rng.pick([
                `airlock-v1\n${WINDOW}\n${session.sid}\n${seq}.0`,
                `airlock-v1\n${WINDOW}\n${session.sid}\n${seq}\n`,
                `airlock-v2\n${WINDOW}\n${session.sid}\n${seq}`,
              ]),
            ),
            session.sid,
            seq,
            packed,
          ),
        },
      );
      // The event direction's AAD, but with the number of this original call.
      foreign.push({
        label: "event AAD",
        wire: await sealWithAad(sealKey, eventAad(WINDOW, session.sid, seq + 1), session.sid, seq, packed),
      });
    }
    const byContent = new Map<string, Original>();
    for (const original of originals) {
      byContent.set(
        contentKey(original.seq, base64ToBytes(original.iv), base64ToBytes(original.ct)),
        original,
      );
    }
    const plaintexts = [
      ...originals.map((original) => original.packed).filter((bytes) =>
        bytes.length <= limits.maxMessageBytes
      ),
      handPacked("{}", "[]"),
      handPacked("[]", "[0,0,0]"),
      handPacked(
        '{"kind":"invoke","nonce":"' + rng.hex(16) + '","cmd":"x","payload":[{"$bytes":1},{"$bytes":0}]}',
        "[2,3]",
        rng.bytes(5),
      ),
    ];
    const corpus: Corpus = {
      sid: session.sid,
      key: session.key,
      decrypt: session.decrypt,
      limits,
      originals,
      low: originals.filter((original) => original.seq <= 128),
      mid: originals.filter((original) => MID_SEQS.includes(original.seq)),
      high: originals.filter((original) => original.seq >= 1000),
      byContent,
      wires: new Set(originals.map((original) => original.wire)),
      foreign,
      plaintexts,
      spent: newContext({ sid: session.sid, key: session.key, decrypt: session.decrypt, limits }),
    };
    return corpus;
  });
}

/** AES-GCM with an arbitrary AAD, in the envelope's wire format (for envelopes the core must refuse). */
async function sealWithAad(
  key: CryptoKey,
  aad: Uint8Array<ArrayBuffer>,
  sid: string,
  seq: number,
  plaintext: Uint8Array<ArrayBuffer>,
) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad }, key, plaintext);
  return JSON.stringify({ v: 1, sid, seq, iv: bytesToBase64(iv), ct: bytesToBase64(new Uint8Array(ct)) });
}

// ---------------------------------------------------------------------------------------------------------
// Controls: the genuine envelopes open (to exactly what was sealed) and are refused when sent again

interface Controls {
  checked: number;
  passed: number;
  failures: string[];
}

async function expectOpens(original: Original, context: OpenContext, what: string, controls: Controls) {
  controls.checked++;
  try {
    const call = await openEnvelope(original.wire, context);
    if (!original.expected) {
      return void controls.failures.push(
        `${what}: original #${original.id} opened although its content is invalid`,
      );
    }
    if (!isDeepStrictEqual(call, original.expected)) {
      return void controls.failures.push(`${what}: original #${original.id} opened to a different call`);
    }
    controls.passed++;
  } catch (error) {
    const content = error instanceof RejectedMessage &&
      CONTENT_REASONS.some((reason) => reason.test(error.message));
    if (!original.expected && content) return void controls.passed++;
    controls.failures.push(
      `${what}: original #${original.id} (seq ${original.seq}) did not open: ${describe(error)}`,
    );
  }
}

async function expectReplayRefused(
  original: Original,
  context: OpenContext,
  what: string,
  controls: Controls,
) {
  controls.checked++;
  try {
    await openEnvelope(original.wire, context);
    controls.failures.push(
      `${what}: original #${original.id} (seq ${original.seq}) opened again when replayed`,
    );
  } catch (error) {
    if (error instanceof RejectedMessage && REPLAY.test(error.message)) controls.passed++;
    else {controls.failures.push(
        `${what}: replay of #${original.id} refused for the wrong reason: ${describe(error)}`,
      );}
  }
}

async function runControls(corpus: Corpus): Promise<Controls> {
  const controls: Controls = { checked: 0, passed: 0, failures: [] };
  // Each genuine envelope opens on its own, in a fresh window...
  for (const original of corpus.originals) await expectOpens(original, newContext(corpus), "fresh", controls);
  // ...and all of one window's numbers open in one session, in any order, once each.
  const lows = [...corpus.low].sort((a, b) => b.seq - a.seq);
  for (const original of lows) await expectOpens(original, corpus.spent, "shared session", controls);
  for (const original of lows) await expectReplayRefused(original, corpus.spent, "shared session", controls);
  // Numbers farther apart: accepted rising; then nothing opens again, in the window or below it.
  const rising = newContext(corpus);
  for (const original of [...corpus.mid, ...corpus.high].sort((a, b) => a.seq - b.seq)) {
    await expectOpens(original, rising, "rising", controls);
  }
  for (const original of [...corpus.low.slice(0, 5), ...corpus.mid, ...corpus.high]) {
    await expectReplayRefused(original, rising, "rising", controls);
  }
  return controls;
}

// ---------------------------------------------------------------------------------------------------------
// Envelope mutations. An envelope is kept as its raw JSON members so each field can be bent on its own.

type Members = [string, string][];

const parsedMembers = new WeakMap<Original, Members>();

/** The original's members (a fresh list each time, to bend freely). */
function members(original: Original): Members {
  let list = parsedMembers.get(original);
  if (!list) {
    const envelope = JSON.parse(original.wire) as Record<string, unknown>;
    list = Object.keys(envelope).map((key) => [JSON.stringify(key), JSON.stringify(envelope[key])]);
    parsedMembers.set(original, list);
  }
  return list.slice();
}

function assemble(list: Members): string {
  return `{${list.map(([key, value]) => `${key}:${value}`).join(",")}}`;
}

const FIELDS = ["v", "sid", "seq", "iv", "ct"] as const;
type Field = typeof FIELDS[number];

function setField(list: Members, field: string, raw: string): Members {
  const key = JSON.stringify(field);
  return list.map(([k, v]) => k === key ? [k, raw] : [k, v]);
}

function getField(list: Members, field: string): string {
  return list.find(([k]) => k === JSON.stringify(field))?.[1] ?? "";
}

function flipText(rng: Rng, text: string, from = 0, to = text.length): string {
  if (to <= from) return text + randomChar(rng);
  const i = rng.range(from, to - 1);
  const bit = rng.chance(0.85) ? rng.int(7) : rng.int(16);
  return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << bit)) + text.slice(i + 1);
}

/** A bit flip (or a few) in a JSON value's text, usually inside its quotes. */
function flipValue(rng: Rng, raw: string): string {
  const quoted = raw.startsWith('"') && rng.chance(0.85);
  let out = raw;
  for (let n = rng.range(1, 3); n > 0; n--) {
    out = quoted ? flipText(rng, out, 1, out.length - 1) : flipText(rng, out);
  }
  return out;
}

/** 1 to 3 distinct bits flipped (never the same one twice, which would give the input back). */
function flipBytes(rng: Rng, bytes: Uint8Array, from = 0): Uint8Array {
  const out = bytes.slice();
  if (out.length <= from) return out;
  const flipped = new Set<number>();
  const bits = Math.min(rng.range(1, 3), (out.length - from) * 8);
  while (flipped.size < bits) {
    const bit = rng.range(from * 8, out.length * 8 - 1);
    if (flipped.has(bit)) continue;
    flipped.add(bit);
    out[bit >> 3] ^= 1 << (bit & 7);
  }
  return out;
}

const quote = (text: string) => JSON.stringify(text);
const b64 = (bytes: Uint8Array) => quote(bytesToBase64(bytes));

/** Same bytes, other base64 text: the unused low bits of the last character before the padding set. */
function nonCanonical(rng: Rng, text: string): string | null {
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  if (!pad) return null;
  const at = text.length - pad - 1;
  const mask = pad === 2 ? 0b1111 : 0b11;
  const value = (B64.indexOf(text[at]) & ~mask) | rng.range(1, mask);
  return text.slice(0, at) + B64[value] + text.slice(at + 1);
}

/** The base64url spelling, when it differs. */
function urlSafe(text: string): string | null {
  const url = text.replaceAll("+", "-").replaceAll("/", "_");
  return url === text ? null : url;
}

function otherOriginal(rng: Rng, corpus: Corpus, not: Original): Original {
  for (;;) {
    const other = rng.pick(corpus.originals);
    if (other !== not) return other;
  }
}

const WEIRD_VALUES = [
  "0",
  "-1",
  "-0",
  "2",
  "1.5",
  "true",
  "false",
  "null",
  '""',
  '"1"',
  "[]",
  "{}",
  "[1]",
  '{"v":1}',
  "1e400",
  "-1e400",
  "1e-400",
];

function mutateV(rng: Rng, list: Members): Members {
  const raw = rng.chance(0.3) ? flipValue(rng, getField(list, "v")) : rng.pick(WEIRD_VALUES);
  return setField(list, "v", raw);
}

function mutateSid(rng: Rng, corpus: Corpus, list: Members): Members {
  const sid = corpus.sid;
  const i = rng.int(sid.length);
  const options = [
    () => flipValue(rng, quote(sid)),
    () => quote(sid.slice(0, i) + rng.pick(HEX.replace(sid[i], "")) + sid.slice(i + 1)),
    () => quote(sid.toUpperCase()),
    () => quote(rng.hex(16)),
    () => quote(sid.slice(0, rng.int(sid.length))),
    () => quote(sid + rng.pick(HEX)),
    () => quote(` ${sid}`),
    () =>
      quote(sid.slice(0, i) + `\\u00${sid.charCodeAt(i).toString(16)}` + sid.slice(i + 1)).replace(
        "\\\\",
        "\\",
      ),
    () => rng.pick(WEIRD_VALUES),
  ];
  return setField(list, "sid", rng.pick(options)());
}

function mutateSeq(rng: Rng, corpus: Corpus, original: Original, list: Members): Members {
  const seq = original.seq;
  const options = [
    () => flipValue(rng, String(seq)),
    () => String(seq + rng.pick([1, -1, 2, -2, 127, 128, 129, -127, -128, rng.range(-1000, 1000) || 3])),
    () => String(otherOriginal(rng, corpus, original).seq),
    () => rng.pick(["0", "-0", "-1", "0.5", "1e400", "-1e400", "1e-400", "4294967296", "2147483648"]),
    () =>
      rng.pick([
        String(2 ** 53),
        "9007199254740993",
        String(Number.MAX_SAFE_INTEGER),
        "9".repeat(rng.range(17, 400)),
      ]),
    () => `${seq}.5`,
    () => `${seq}.000000000000001`,
    () => quote(String(seq)),
    () => rng.pick(WEIRD_VALUES),
  ];
  return setField(list, "seq", rng.pick(options)());
}

function mutateIv(rng: Rng, corpus: Corpus, original: Original, list: Members): Members {
  const bytes = base64ToBytes(original.iv);
  const options = [
    () => flipValue(rng, quote(original.iv)),
    () => b64(flipBytes(rng, bytes)),
    () => quote(otherOriginal(rng, corpus, original).iv),
    () => b64(new Uint8Array(12)),
    () => b64(rng.bytes(12)),
    () => b64(rng.bytes(rng.pick([8, 10, 11, 13, 16, 0, 1]))),
    () => quote(original.iv.slice(0, 14) + "=="),
    () => quote(original.iv.slice(0, 15) + "="),
    () => quote(urlSafe(original.iv) ?? bytesToBase64(flipBytes(rng, bytes))),
    () => quote(original.iv.slice(0, rng.int(16))),
    () => rng.pick(WEIRD_VALUES),
  ];
  return setField(list, "iv", rng.pick(options)());
}

function mutateCt(rng: Rng, corpus: Corpus, original: Original, list: Members): Members {
  const bytes = base64ToBytes(original.ct);
  const options = [
    () => flipValue(rng, quote(original.ct)),
    () => b64(flipBytes(rng, bytes)),
    () => b64(flipBytes(rng, bytes, Math.max(0, bytes.length - 16))), // in the tag
    () => b64(flipBytes(rng, bytes, 0).subarray(0, Math.max(0, bytes.length - 16))), // tag cut off
    () => quote(nonCanonical(rng, original.ct) ?? bytesToBase64(flipBytes(rng, bytes))),
    () => b64(bytes.subarray(0, bytes.length - rng.range(1, Math.min(bytes.length, 17)))),
    () => b64(new Uint8Array([...bytes, ...rng.bytes(rng.range(1, 32))])),
    () => b64(bytes.subarray(bytes.length - 16)), // only the tag
    () => quote(otherOriginal(rng, corpus, original).ct),
    () => b64(rng.bytes(bytes.length)),
    () => quote(urlSafe(original.ct) ?? bytesToBase64(flipBytes(rng, bytes))),
    () => rng.pick(WEIRD_VALUES),
  ];
  return setField(list, "ct", rng.pick(options)());
}

function mutateField(rng: Rng, corpus: Corpus, original: Original, list: Members, field: Field): Members {
  switch (field) {
    case "v":
      return mutateV(rng, list);
    case "sid":
      return mutateSid(rng, corpus, list);
    case "seq":
      return mutateSeq(rng, corpus, original, list);
    case "iv":
      return mutateIv(rng, corpus, original, list);
    case "ct":
      return mutateCt(rng, corpus, original, list);
  }
}

/** The same envelope, written differently (must behave exactly like the original, replays included). */
function reencode(rng: Rng, original: Original): string {
  let list = members(original);
  switch (rng.int(6)) {
    case 0:
      return assemble(rng.shuffle(list));
    case 1:
      return JSON.stringify(JSON.parse(original.wire), null, rng.pick([1, 2, "\t"]));
    case 2:
      list = setField(
        list,
        "seq",
        rng.pick([`${original.seq}.0`, original.seq.toExponential(), `${original.seq}.00000000000000000001`]),
      );
      return assemble(setField(list, "v", rng.pick(["1.0", "1e0", "10e-1", "1"])));
    case 3:
      return assemble([...list, [
        quote(rng.pick(["x", "extra", "__proto__", "V", "ct2"])),
        JSON.stringify(randomJson(rng)),
      ]]);
    case 4: {
      const field = rng.pick(FIELDS);
      return assemble([[quote(field), rng.pick(WEIRD_VALUES)], ...list]); // duplicate key: the last one wins
    }
    default:
      return ` \n\t${original.wire}\r\n `;
  }
}

function randomJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, 1, -1, 2 ** 53, 1e308, -1e-7, rng.int(1000), rng.u32()]);
    case 3:
      return randomString(rng, 40);
    case 4:
      return rng.pick([rng.hex(16), bytesToBase64(rng.bytes(12)), bytesToBase64(rng.bytes(rng.size(200)))]);
    case 5:
      return rng.pick(["v", "sid", "seq", "iv", "ct", "invoke", "$bytes"]);
    case 6:
      return Array.from({ length: rng.size(6) }, () => randomJson(rng, depth + 1));
    case 7:
      return record(
        Array.from({ length: rng.size(6) }, () => [randomString(rng, 8), randomJson(rng, depth + 1)]),
      );
    default:
      return record(
        rng.shuffle([...FIELDS]).slice(rng.int(5)).map((field) =>
          [field, randomJson(rng, depth + 1)] as [string, unknown]
        ),
      );
  }
}

/** Any one structural mutation of an original (what the replay class sends to a spent session). */
function anyMutation(rng: Rng, corpus: Corpus, original: Original): string {
  const list = members(original);
  switch (rng.int(4)) {
    case 0:
      return assemble(mutateField(rng, corpus, original, list, rng.pick(FIELDS)));
    case 1:
      return flipText(rng, original.wire);
    case 2:
      return original.wire.slice(0, rng.int(original.wire.length));
    default:
      return reencode(rng, original);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Envelope classes

interface EnvelopeInput {
  wire: string;
  /** Genuine envelopes opened first in the same session (controls: each must open once). */
  before?: Original[];
  /** Open in the spent session, where every low original's number is used up. */
  spent?: boolean;
  /** Must be refused even if it is a genuine envelope (a replay, or too old). */
  mustReject?: boolean;
}

type EnvelopeGen = (rng: Rng, corpus: Corpus) => EnvelopeInput;

const pickOriginal = (rng: Rng, corpus: Corpus) => rng.pick(corpus.originals);

function fieldClass(field: Field): EnvelopeGen {
  return (rng, corpus) => {
    const original = pickOriginal(rng, corpus);
    for (let attempt = 0;; attempt++) {
      // A mutation that happens to give the original back is drawn again.
      let list = mutateField(rng, corpus, original, members(original), field);
      if (rng.chance(0.1)) list = mutateField(rng, corpus, original, list, rng.pick(FIELDS)); // two at once
      const wire = assemble(list);
      if (wire !== original.wire || attempt >= 8) return { wire };
    }
  };
}

const ENVELOPE_CLASSES: { name: string; weight: number; gen: EnvelopeGen | "race" }[] = [
  { name: "flip-v", weight: 4, gen: fieldClass("v") },
  { name: "flip-sid", weight: 6, gen: fieldClass("sid") },
  { name: "flip-seq", weight: 8, gen: fieldClass("seq") },
  { name: "flip-iv", weight: 8, gen: fieldClass("iv") },
  { name: "flip-ct", weight: 12, gen: fieldClass("ct") },
  {
    name: "flip-wire",
    weight: 8,
    gen: (rng, corpus) => {
      const original = pickOriginal(rng, corpus);
      let wire = original.wire;
      while (wire === original.wire) {
        for (let n = rng.range(1, 8); n > 0; n--) wire = flipText(rng, wire);
      }
      return { wire };
    },
  },
  {
    name: "truncate",
    weight: 5,
    gen: (rng, corpus) => {
      const original = pickOriginal(rng, corpus);
      const wire = original.wire;
      switch (rng.int(3)) {
        case 0:
          return { wire: wire.slice(0, rng.int(wire.length)) };
        case 1:
          return { wire: wire.slice(rng.range(1, wire.length)) };
        default: {
          const at = rng.int(wire.length);
          return { wire: wire.slice(0, at) + wire.slice(at + rng.range(1, 16)) };
        }
      }
    },
  },
  {
    name: "extend",
    weight: 5,
    gen: (rng, corpus) => {
      const original = pickOriginal(rng, corpus);
      const wire = original.wire;
      const at = rng.int(wire.length + 1);
      switch (rng.int(5)) {
        case 0:
          return { wire: wire + randomString(rng, 64) };
        case 1:
          return { wire: wire.slice(0, at) + randomString(rng, 16) + wire.slice(at) };
        case 2:
          return { wire: wire.slice(0, at) + wire + wire.slice(at) };
        case 3:
          return { wire: reencode(rng, original) }; // benign: opens as the original ("equiv")
        default: {
          const field = rng.pick(FIELDS);
          const raw = getField(members(original), field);
          const grown = raw.startsWith('"')
            ? raw.slice(0, -1) + randomChar(rng) + randomString(rng, 8) + '"'
            : raw + rng.pick(HEX);
          return { wire: assemble(setField(members(original), field, grown)) };
        }
      }
    },
  },
  {
    name: "swap",
    weight: 8,
    gen: (rng, corpus) => {
      const a = pickOriginal(rng, corpus);
      const b = otherOriginal(rng, corpus, a);
      let list = members(a);
      switch (rng.int(4)) {
        case 0: {
          // Some (not all) of seq/iv/ct from another genuine envelope of the same session.
          const fields = rng.shuffle(["seq", "iv", "ct"]).slice(0, rng.range(1, 2));
          for (const field of fields) list = setField(list, field, getField(members(b), field));
          return { wire: assemble(list) };
        }
        case 1: {
          // iv and ct (or seq) from an envelope sealed with another key, window, direction or AAD.
          const foreign = JSON.parse(rng.pick(corpus.foreign).wire) as Record<string, unknown>;
          for (const field of rng.shuffle(["seq", "iv", "ct", "sid"]).slice(0, rng.range(1, 3))) {
            list = setField(list, field, JSON.stringify(foreign[field]));
          }
          return { wire: assemble(list) };
        }
        case 2: {
          // Values moved between fields of one envelope.
          const [x, y] = rng.shuffle([...FIELDS]);
          const vx = getField(list, x);
          list = setField(setField(list, x, getField(list, y)), y, vx);
          return { wire: assemble(list) };
        }
        default: {
          // Ciphertexts concatenated or spliced at a block boundary.
          const ca = base64ToBytes(a.ct);
          const cb = base64ToBytes(b.ct);
          const cut = Math.min(ca.length, 16 * rng.range(0, Math.floor(ca.length / 16)));
          const head = new Uint8Array([...ca.subarray(0, cut), ...cb.subarray(Math.min(cut, cb.length))]);
          const spliced = rng.chance(0.5) && bytesToBase64(head) !== a.ct
            ? head
            : new Uint8Array([...ca, ...cb]);
          return { wire: assemble(setField(list, "ct", b64(spliced))) };
        }
      }
    },
  },
  {
    name: "replay",
    weight: 8,
    gen: (rng, corpus) => {
      switch (rng.int(4)) {
        case 0: {
          // Opened once in this session; then sent again, as is or written differently.
          const original = pickOriginal(rng, corpus);
          const wire = rng.chance(0.5)
            ? original.wire
            : rng.chance(0.6)
            ? reencode(rng, original)
            : anyMutation(rng, corpus, original);
          return { wire, before: [original] };
        }
        case 1: {
          // To a session that has spent every number of the window.
          const original = rng.pick(corpus.low);
          return { wire: rng.chance(0.4) ? original.wire : anyMutation(rng, corpus, original), spent: true };
        }
        case 2: {
          // Two numbers opened (the higher one first when they are less than a window apart), then the
          // first or the second sent again: wherever the gap puts it, refused.
          const pool = [...corpus.low, ...corpus.mid];
          const x = rng.pick(pool);
          const y = otherOriginal(rng, { ...corpus, originals: pool }, x);
          const [a, b] = x.seq < y.seq ? [x, y] : [y, x];
          const before = b.seq - a.seq < 128 && rng.chance(0.5) ? [b, a] : [a, b];
          const again = rng.pick(before);
          return { wire: rng.chance(0.6) ? again.wire : reencode(rng, again), before, mustReject: true };
        }
        default: {
          // After a number 128+ higher was accepted: too old, however it is written.
          const original = rng.pick(corpus.low);
          const high = rng.pick(corpus.high.filter((h) => h.expected));
          return {
            wire: rng.chance(0.5) ? original.wire : reencode(rng, original),
            before: [high],
            mustReject: true,
          };
        }
      }
    },
  },
  {
    name: "wrong-type",
    weight: 5,
    gen: (rng, corpus) => {
      const original = pickOriginal(rng, corpus);
      let list = members(original);
      const field = rng.pick(FIELDS);
      switch (rng.int(5)) {
        case 0:
          return { wire: assemble(setField(list, field, JSON.stringify(randomJson(rng)))) };
        case 1:
          return { wire: assemble(list.filter(([key]) => key !== quote(field))) };
        case 2:
          list = list.map((
            [key, value],
          ) => [
            key === quote(field)
              ? quote(
                rng.pick([field.toUpperCase(), ` ${field}`, `${field}\0`, field.replace(/./, "\u0430")]),
              )
              : key,
            value,
          ]);
          return { wire: assemble(list) };
        case 3:
          return {
            wire: rng.pick([
              `[${original.wire}]`,
              JSON.stringify(original.wire),
              `{"envelope":${original.wire}}`,
              JSON.stringify(FIELDS.map((f) => JSON.parse(getField(list, f)))),
              String(original.seq),
              "null",
              "true",
              '"ct"',
            ]),
          };
        default:
          return { wire: assemble(list.map(([key, value]) => [key, `[${value}]`])) };
      }
    },
  },
  {
    name: "huge-number",
    weight: 3,
    gen: (rng, corpus) => {
      const original = pickOriginal(rng, corpus);
      const huge = rng.pick([
        "1e308",
        "-1e308",
        "1e309",
        "1.7976931348623157e308",
        "5e-324",
        "9007199254740992",
        "9007199254740993",
        "18446744073709551617",
        "-9007199254740991",
        "9".repeat(rng.range(20, 5000)),
        `0.${"0".repeat(rng.range(10, 400))}1`,
        `1${"0".repeat(rng.range(16, 400))}`,
        `${original.seq}e${rng.range(1, 400)}`,
      ]);
      return {
        wire: assemble(setField(members(original), rng.pick(["seq", "seq", "v", "sid", "iv"]), huge)),
      };
    },
  },
  {
    name: "deep-json",
    weight: 3,
    gen: (rng, corpus) => {
      const original = pickOriginal(rng, corpus);
      const depth = rng.chance(0.5) ? rng.range(1, 200) : rng.range(1000, 40_000);
      const [open, close] = rng.chance(0.5) ? ["[", "]"] : ['{"a":', "}"];
      const deep = (inner: string) =>
        open.repeat(depth) + inner + (rng.chance(0.9) ? close.repeat(depth) : "");
      switch (rng.int(3)) {
        case 0:
          return { wire: deep(original.wire) };
        case 1:
          return { wire: assemble(setField(members(original), rng.pick(FIELDS), deep("1"))) };
        default:
          return { wire: assemble([...members(original), [quote("x"), deep("null")]]) };
      }
    },
  },
  {
    name: "random-bytes",
    weight: 4,
    gen: (rng) => {
      const n = rng.size(4096);
      if (rng.chance(0.5)) return { wire: randomString(rng, n) };
      return { wire: new TextDecoder().decode(rng.bytes(n)) }; // arbitrary bytes as the webview would decode them
    },
  },
  {
    name: "random-json",
    weight: 5,
    gen: (rng) => ({ wire: JSON.stringify(randomJson(rng)) }),
  },
  {
    name: "non-json",
    weight: 4,
    gen: (rng, corpus) => {
      const original = pickOriginal(rng, corpus);
      const wire = original.wire;
      return {
        wire: rng.pick([
          wire.replaceAll('"', "'"),
          wire.replace(/"(\w+)":/g, "$1:"),
          wire.replace("}", ",}"),
          wire.replace(
            /"seq":\d+/,
            rng.pick([
              '"seq":NaN',
              '"seq":Infinity',
              '"seq":0x1',
              '"seq":+1',
              '"seq":01',
              '"seq":.5',
              '"seq":undefined',
            ]),
          ),
          `/*x*/${wire}`,
          `\ufeff${wire}`,
          `${wire}\0`,
          `${wire}}`,
          `${wire},${wire}`,
          wire.replace('"ct":"', '"ct":"\n'),
          wire.replace('"iv":"', '"iv":"\\x41'),
          wire.slice(0, -1),
          "",
          " ",
          "undefined",
          "{",
          "}{",
          "[object Object]",
          randomString(rng, 64),
        ]),
      };
    },
  },
  {
    name: "oversized",
    weight: 2,
    gen: (rng, corpus) => {
      const limit = Math.ceil(corpus.limits.maxMessageBytes * 4 / 3) + 1024;
      const original = pickOriginal(rng, corpus);
      switch (rng.int(4)) {
        case 0:
          return { wire: original.wire + " ".repeat(limit - original.wire.length + rng.range(1, 100)) };
        case 1:
          return { wire: "x".repeat(limit + rng.range(1, 10_000)) };
        case 2: {
          // Just under the wire limit, well formed, with a ciphertext of junk: decrypted, and refused.
          const room = limit - original.wire.length + original.ct.length - rng.range(0, 64);
          const ct = bytesToBase64(rng.bytes(Math.floor(room / 4) * 3));
          return { wire: assemble(setField(members(original), "ct", quote(ct))) };
        }
        default: {
          const ct = "A".repeat(Math.ceil((limit + rng.range(1, 1000)) / 4) * 4);
          return { wire: assemble(setField(members(original), "ct", quote(ct))) };
        }
      }
    },
  },
  {
    name: "forged",
    weight: 6,
    gen: (rng, corpus) => {
      if (rng.chance(0.5)) return { wire: rng.pick(corpus.foreign).wire };
      // Well formed in every way the core can check before decrypting; the ciphertext is not genuine.
      const seq = rng.chance(0.5) ? rng.range(1, 200) : rng.range(1, Number.MAX_SAFE_INTEGER);
      const ct = rng.chance(0.5)
        ? rng.pick(corpus.originals).ct
        : bytesToBase64(rng.bytes(rng.range(16, 300)));
      return { wire: JSON.stringify({ v: 1, sid: corpus.sid, seq, iv: bytesToBase64(rng.bytes(12)), ct }) };
    },
  },
  { name: "race", weight: 1, gen: "race" },
];

// ---------------------------------------------------------------------------------------------------------
// Running a case

type Outcome =
  | { kind: "rejected"; auth: boolean; reason: string }
  | { kind: "equivalent"; how: string }
  | { kind: "accepted" | "crash" | "control"; detail: string; input: string };

function rejected(error: unknown, input: string): Outcome {
  const kind = refusal(error);
  if (kind === "crash") return { kind: "crash", detail: describe(error), input };
  return { kind: "rejected", auth: kind === "auth", reason: (error as Error).message.replace(/\d+/g, "N") };
}

/** The genuine envelope that wire is, byte for byte, once decoded; null if it is none. */
function genuineFor(wire: string, corpus: Corpus): Original | null {
  try {
    const { v, sid, seq, iv, ct } = JSON.parse(wire);
    if (v !== 1 || sid !== corpus.sid) return null;
    return corpus.byContent.get(contentKey(seq, base64ToBytes(iv), base64ToBytes(ct))) ?? null;
  } catch {
    return null;
  }
}

async function envelopeCase(rng: Rng, corpus: Corpus, gen: EnvelopeGen): Promise<Outcome> {
  let input = gen(rng, corpus);
  // A mutation that happens to give a genuine envelope back unchanged is no mutation: draw again.
  for (
    let n = 0;
    n < 8 && !input.before && !input.spent && !input.mustReject && corpus.wires.has(input.wire);
    n++
  ) {
    input = gen(rng, corpus);
  }
  const context = input.spent ? corpus.spent : newContext(corpus);
  for (const original of input.before ?? []) {
    const controls: Controls = { checked: 0, passed: 0, failures: [] };
    await expectOpens(original, context, "replay control", controls);
    if (controls.failures.length) {
      return { kind: "control", detail: controls.failures[0], input: original.wire };
    }
  }
  let call: Invocation;
  try {
    call = await openEnvelope(input.wire, context);
  } catch (error) {
    return rejected(error, input.wire);
  }
  // It opened. Fine only if it is a genuine envelope this session had not spent, and gave its call.
  const genuine = genuineFor(input.wire, corpus);
  if (!genuine || input.spent || input.mustReject || input.before?.some((b) => b.seq === genuine.seq)) {
    const where = input.spent
      ? "in the spent session"
      : input.before
      ? `after seq ${input.before.map((b) => b.seq).join(", ")} opened`
      : "in a fresh session";
    const what = genuine ? `genuine #${genuine.id} (seq ${genuine.seq}) opened again` : "opened";
    return { kind: "accepted", detail: `${what} ${where}, to cmd ${quote(call.cmd)}`, input: input.wire };
  }
  if (!isDeepStrictEqual(call, genuine.expected)) {
    return { kind: "accepted", detail: `opened as #${genuine.id} but to another call`, input: input.wire };
  }
  try {
    await openEnvelope(genuine.wire, context);
    return { kind: "accepted", detail: `#${genuine.id} opened twice (once re-encoded)`, input: input.wire };
  } catch (error) {
    if (!(error instanceof RejectedMessage && REPLAY.test(error.message))) {
      return rejected(error, genuine.wire);
    }
  }
  const parsed = JSON.parse(input.wire);
  const how = input.wire === genuine.wire
    ? "identical"
    : parsed.iv !== genuine.iv || parsed.ct !== genuine.ct
    ? "non-canonical base64"
    : "JSON re-encoding";
  return { kind: "equivalent", how };
}

type Delivery = { wire: string; seq: number | null };
type Sealed = { seq: number; wire: string; expected: Invocation | null };

/** Genuine envelopes sent several times at once (as is, or re-encoded), mixed with mutants (seq null). */
function raceDeliveries(rng: Rng, genuine: Sealed[]): Delivery[] {
  const deliveries: Delivery[] = [];
  for (const g of genuine) {
    for (let n = rng.range(1, 3); n > 0; n--) deliveries.push({ wire: g.wire, seq: g.seq });
    const list: Members = Object.entries(JSON.parse(g.wire)).map(([k, v]) => [quote(k), JSON.stringify(v)]);
    if (rng.chance(0.5)) deliveries.push({ wire: assemble(rng.shuffle(list)), seq: g.seq });
    const ct = base64ToBytes(JSON.parse(g.wire).ct);
    deliveries.push({ wire: assemble(setField(list, "ct", b64(flipBytes(rng, ct)))), seq: null });
    deliveries.push({ wire: assemble(setField(list, "seq", String(g.seq + rng.range(1, 200)))), seq: null });
  }
  return deliveries;
}

function sameEnvelope(a: string, b: string): boolean {
  try {
    const [x, y] = [JSON.parse(a), JSON.parse(b)];
    return x.v === y.v && x.sid === y.sid && x.seq === y.seq &&
      bytesToBase64(base64ToBytes(x.iv)) === bytesToBase64(base64ToBytes(y.iv)) &&
      bytesToBase64(base64ToBytes(x.ct)) === bytesToBase64(base64ToBytes(y.ct));
  } catch {
    return false;
  }
}

/** Each genuine number opens exactly once (never, if its content is invalid); no mutant opens. */
function judgeRace(
  deliveries: Delivery[],
  results: PromiseSettledResult<Invocation>[],
  genuine: Sealed[],
): Outcome {
  const opened = new Map<number, number>();
  for (const [i, result] of results.entries()) {
    const { wire, seq } = deliveries[i];
    if (result.status === "rejected") {
      const outcome = rejected(result.reason, wire);
      if (outcome.kind === "crash") return outcome;
      continue;
    }
    // Judged by what it decodes to, not by how it was made: a mutant that is byte for byte a genuine
    // envelope counts as a copy of it.
    const g = genuine.find((x) => x.seq === seq) ?? genuine.find((x) => sameEnvelope(x.wire, wire));
    if (!g) return { kind: "accepted", detail: "a mutant or an event opened in a race", input: wire };
    if (!isDeepStrictEqual(result.value, g.expected)) {
      return { kind: "accepted", detail: "opened to another call", input: wire };
    }
    opened.set(g.seq, (opened.get(g.seq) ?? 0) + 1);
  }
  for (const g of genuine) {
    const n = opened.get(g.seq) ?? 0;
    if (n > 1) return { kind: "accepted", detail: `seq ${g.seq} opened ${n} times in a race`, input: g.wire };
    if (n === 0 && g.expected) {
      return { kind: "control", detail: `genuine seq ${g.seq} never opened in a race`, input: g.wire };
    }
  }
  return { kind: "rejected", auth: false, reason: "(race: each genuine number opened exactly once)" };
}

/** Concurrent opens, two ways: through a real IsolationSession (which serialises them; mixed with events
 * the same session sealed for its iframe), and straight into openEnvelope on one shared replay window
 * (where the check after decryption is all that stops a racing replay). */
async function raceCase(rng: Rng, corpus: Corpus): Promise<Outcome> {
  if (rng.chance(0.5)) {
    const context = newContext(corpus);
    const genuine: Sealed[] = rng.shuffle([...corpus.low]).slice(0, rng.range(2, 6));
    const deliveries = rng.shuffle(raceDeliveries(rng, genuine));
    const results = await Promise.allSettled(deliveries.map((d) => openEnvelope(d.wire, context)));
    return judgeRace(deliveries, results, genuine);
  }
  const { session, rawKey } = await IsolationSession.create(WINDOW);
  const sealKey = await importSealKey(rawKey);
  const base = rng.range(0, 5000);
  const genuine: Sealed[] = [];
  const valid = corpus.originals.filter((original) => original.expected && original.packed.length < 8192);
  for (let i = rng.range(2, 6); i > 0; i--) {
    const original = rng.pick(valid);
    const seq = base + 1 + rng.int(100);
    if (genuine.some((g) => g.seq === seq)) continue;
    const wire = await sealEnvelope(sealKey, WINDOW, session.sid, seq, original.packed);
    genuine.push({ seq, wire, expected: original.expected });
  }
  const deliveries = raceDeliveries(rng, genuine);
  for (let n = rng.range(0, 3); n > 0; n--) {
    const event = { kind: "event", event: "tick", handlers: [rng.int(10)], payload: { n } };
    deliveries.push({ wire: await session.sealDown(packMessage(event), seededIv()), seq: null });
  }
  rng.shuffle(deliveries);
  const results = await Promise.allSettled(
    deliveries.map(async (d) => await session.open(d.wire, corpus.limits)),
  );
  return judgeRace(deliveries, results, genuine);
}

// ---------------------------------------------------------------------------------------------------------
// Plaintext decoder classes: unpackMessage + validateInvocation on (mostly) broken packed messages

type PlainGen = (rng: Rng, corpus: Corpus) => Uint8Array;

function setU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const out = bytes.slice();
  if (out.length >= at + 4) new DataView(out.buffer).setUint32(at, value >>> 0);
  return out;
}

function parts(bytes: Uint8Array): { json: Uint8Array; lengths: Uint8Array; blobs: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const j = view.getUint32(0);
  const l = view.getUint32(4);
  return {
    json: bytes.subarray(8, 8 + j),
    lengths: bytes.subarray(8 + j, 8 + j + l),
    blobs: bytes.subarray(8 + j + l),
  };
}

const encode = (text: string) => new TextEncoder().encode(text);
const decodeLoose = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function randomInvocationJson(rng: Rng, blobs: number): string {
  const ref = () =>
    rng.chance(0.8)
      ? `{"$bytes":${rng.int(blobs + 1)}}`
      : `{"$bytes":${
        rng.pick(["-1", "1.5", '"0"', "null", "1e308", "-0", "true", "[0]", '{"$bytes":0}', String(blobs)])
      }}`;
  const payload = Array.from(
    { length: rng.size(6) },
    () => rng.chance(0.5) ? ref() : JSON.stringify(randomJson(rng)),
  );
  const kind = rng.pick(['"invoke"', '"invoke"', '"event"', '"Invoke"', "1", "null"]);
  const cmd = rng.pick(['"greet"', `"${EVENT_PREFIX}emit"`, '""', `"${"c".repeat(257)}"`, "42", '"\\u0000"']);
  const nonce = rng.pick([`"${rng.hex(16)}"`, `"${rng.hex(15)}"`, `"${rng.hex(16).toUpperCase()}"`, "null"]);
  return `{"kind":${kind},"nonce":${nonce},"cmd":${cmd},"payload":[${payload.join(",")}]}`;
}

const PLAIN_CLASSES: { name: string; weight: number; gen: PlainGen }[] = [
  {
    name: "p-flip",
    weight: 10,
    gen: (rng, corpus) => {
      const bytes = rng.pick(corpus.plaintexts).slice();
      if (!bytes.length) return bytes;
      const hot = Math.min(bytes.length, 8 + 256);
      for (let n = rng.range(1, 8); n > 0; n--) {
        bytes[rng.chance(0.7) ? rng.int(hot) : rng.int(bytes.length)] ^= 1 << rng.int(8);
      }
      return bytes;
    },
  },
  {
    name: "p-header",
    weight: 8,
    gen: (rng, corpus) => {
      const bytes = rng.pick(corpus.plaintexts);
      if (bytes.length < 8) return bytes;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const at = rng.pick([0, 4]);
      const current = view.getUint32(at);
      const value = rng.pick([
        rng.u32(),
        current + rng.range(-16, 16),
        0,
        0xffffffff,
        0x80000000,
        bytes.length,
        bytes.length - 8,
        0xfffffff8,
      ]);
      if (rng.chance(0.2)) return setU32(setU32(bytes, 0, view.getUint32(4)), 4, view.getUint32(0));
      return setU32(bytes, at, value);
    },
  },
  {
    name: "p-truncate",
    weight: 6,
    gen: (rng, corpus) => {
      const bytes = rng.pick(corpus.plaintexts);
      return rng.chance(0.5)
        ? bytes.slice(0, rng.int(bytes.length))
        : bytes.slice(0, Math.max(0, bytes.length - rng.range(1, 16)));
    },
  },
  {
    name: "p-extend",
    weight: 6,
    gen: (rng, corpus) => {
      const bytes = rng.pick(corpus.plaintexts);
      const extra = rng.bytes(rng.range(1, 64));
      const at = rng.chance(0.5) ? bytes.length : rng.int(bytes.length + 1);
      return new Uint8Array([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
    },
  },
  {
    name: "p-splice",
    weight: 6,
    gen: (rng, corpus) => {
      const a = rng.pick(corpus.plaintexts);
      const b = rng.pick(corpus.plaintexts);
      if (a.length < 8 || b.length < 8) return new Uint8Array([...a, ...b]);
      const pa = parts(a);
      const pb = parts(b);
      switch (rng.int(3)) {
        case 0:
          return handPacked(pa.json, pb.lengths, pb.blobs);
        case 1:
          return new Uint8Array([...a.subarray(0, 8), ...b.subarray(8)]);
        default:
          return handPacked(pa.json, pa.lengths, new Uint8Array([...pa.blobs, ...pb.blobs]));
      }
    },
  },
  {
    name: "p-json",
    weight: 10,
    gen: (rng, corpus) => {
      const bytes = rng.pick(corpus.plaintexts);
      const { json, lengths, blobs } = bytes.length >= 8
        ? parts(bytes)
        : { json: bytes, lengths: encode("[]"), blobs: new Uint8Array(0) };
      let text = decodeLoose(json);
      switch (rng.int(4)) {
        case 0:
          for (let n = rng.range(1, 4); n > 0; n--) text = flipText(rng, text);
          break;
        case 1: {
          const at = rng.int(text.length + 1);
          text = text.slice(0, at) + rng.pick([...STRUCTURAL, "null", '{"$bytes":0}', "1e999", "-", "\\u"]) +
            text.slice(at + rng.int(3));
          break;
        }
        case 2:
          text = JSON.stringify(randomJson(rng));
          break;
        default: {
          let count = 0;
          try {
            count = (JSON.parse(decodeLoose(lengths)) as unknown[]).length;
          } catch { /* junk lengths: no blobs */ }
          text = randomInvocationJson(rng, count);
        }
      }
      return handPacked(text, lengths, blobs);
    },
  },
  {
    name: "p-lengths",
    weight: 8,
    gen: (rng, corpus) => {
      const bytes = rng.pick(corpus.plaintexts);
      const { json, blobs } = bytes.length >= 8 ? parts(bytes) : { json: bytes, blobs: new Uint8Array(0) };
      const room = Math.max(0, corpus.limits.maxMessageBytes - json.length - blobs.length - 16);
      const zeros = Math.min(rng.size(100_000), Math.floor(room / 2));
      const lengths = rng.pick([
        "[-1]",
        "[1.5]",
        '["1"]',
        "[1e308]",
        `[${2 ** 53}]`,
        "[-0]",
        "[null]",
        "{}",
        "null",
        '"[]"',
        "[[1]]",
        `[${blobs.length + 1}]`,
        `[${blobs.length}, -${blobs.length}]`,
        `[${blobs.length},0]`,
        "[" + Array(zeros).fill(0).join(",") + "]", // many empty blobs
        JSON.stringify(randomJson(rng)),
        "",
        "[",
      ]);
      return handPacked(json, lengths, blobs);
    },
  },
  {
    name: "p-bytesref",
    weight: 6,
    gen: (rng) => {
      const blobs = Array.from({ length: rng.int(4) }, () => rng.bytes(rng.int(16)));
      const lengths = JSON.stringify(blobs.map((b) => b.length));
      const data = new Uint8Array(blobs.flatMap((b) => [...b]));
      const nonce = rng.hex(16);
      const ref = rng.pick([
        "-1",
        "1.5",
        '"0"',
        "null",
        "1e308",
        "-0",
        "0",
        String(blobs.length),
        "true",
        "[0]",
        '{"$bytes":0}',
        "0.0",
        "1e0",
      ]);
      const json = rng.pick([
        `{"$bytes":${ref}}`,
        `{"kind":"invoke","nonce":"${nonce}","cmd":"x","payload":{"$bytes":${ref}}}`,
        `{"kind":"invoke","nonce":"${nonce}","cmd":"x","payload":{"$bytes":${ref},"x":1}}`,
        `{"kind":"invoke","nonce":"${nonce}","cmd":"x","payload":{"__proto__":{"$bytes":${ref}}}}`,
        `{"kind":"invoke","nonce":"${nonce}","cmd":"x","__proto__":{"$bytes":${ref}}}`,
        `{"kind":"invoke","nonce":"${nonce}","cmd":"x","payload":[{"$bytes":${ref}},{"$bytes":${ref}}]}`,
        `{"kind":"invoke","nonce":"${nonce}","cmd":{"$bytes":${ref}}}`,
        `{"kind":{"$bytes":${ref}},"nonce":"${nonce}","cmd":"x"}`,
        `{"kind":"invoke","nonce":"${nonce}","cmd":"x","payload":{"constructor":{"prototype":{"$bytes":${ref}}}}}`,
      ]);
      return handPacked(json, lengths, data);
    },
  },
  {
    name: "p-deep",
    weight: 5,
    gen: (rng, corpus) => {
      const max = corpus.limits.maxDepth;
      const depth = rng.chance(0.6) ? rng.range(Math.max(0, max - 3), max + 3) : rng.range(max, 60_000);
      const [open, close] = rng.pick([["[", "]"], ['{"a":', "}"], ['[{"b":', "}]"]]);
      const inner = open.repeat(depth) + rng.pick(["0", '{"$bytes":0}', "[]"]) +
        (rng.chance(0.9) ? close.repeat(depth) : "");
      const json = rng.chance(0.5)
        ? inner
        : `{"kind":"invoke","nonce":"${rng.hex(16)}","cmd":"deep","payload":${inner}}`;
      return handPacked(
        json,
        rng.chance(0.5) ? "[1]" : rng.pick(["[" + "[".repeat(depth) + "]".repeat(depth) + "]", "[1]"]),
        new Uint8Array(1),
      );
    },
  },
  {
    name: "p-utf8",
    weight: 5,
    gen: (rng, corpus) => {
      const bytes = rng.pick(corpus.plaintexts);
      const { json, lengths, blobs } = bytes.length >= 8
        ? parts(bytes)
        : { json: bytes, lengths: encode("[]"), blobs: new Uint8Array(0) };
      const bad = rng.pick([
        [0xff],
        [0xc0, 0x80],
        [0xed, 0xa0, 0x80],
        [0xe2, 0x82],
        [0xf4, 0x90, 0x80, 0x80],
        [0xef, 0xbb, 0xbf],
        [0x80],
        [0xf0, 0x9f, 0x9a],
      ]);
      const target = rng.chance(0.7) ? json : lengths;
      const at = rng.int(target.length + 1);
      const spoiled = new Uint8Array([...target.subarray(0, at), ...bad, ...target.subarray(at)]);
      return target === json ? handPacked(spoiled, lengths, blobs) : handPacked(json, spoiled, blobs);
    },
  },
  {
    name: "p-random",
    weight: 6,
    gen: (rng) => {
      const bytes = rng.bytes(rng.size(2048));
      if (rng.chance(0.5) && bytes.length >= 8) {
        // A plausible header over random content.
        const j = rng.int(bytes.length - 7);
        return setU32(setU32(bytes, 0, j), 4, rng.int(bytes.length - 7 - j + 1));
      }
      return bytes;
    },
  },
  {
    name: "p-oversize",
    weight: 2,
    gen: (rng, corpus) => {
      const max = corpus.limits.maxMessageBytes;
      if (rng.chance(0.5)) return rng.bytes(max + rng.range(1, 100));
      // At the limit (one byte under, exactly, one over), well formed: one blob fills the rest.
      const json = `{"kind":"invoke","nonce":"${rng.hex(16)}","cmd":"fill","payload":{"$bytes":0}}`;
      const target = max + rng.range(-1, 1);
      for (let digits = 1; digits < 16; digits++) {
        const blob = target - 8 - json.length - 2 - digits;
        if (String(blob).length === digits) return handPacked(json, `[${blob}]`, new Uint8Array(blob));
      }
      return handPacked(json, "[]");
    },
  },
  {
    name: "p-wide",
    weight: 1,
    gen: (rng, corpus) => {
      // As wide as the limit allows (a quarter of the time), or narrower.
      const full = corpus.limits.maxMessageBytes - 200;
      const room = rng.chance(0.25) ? full : rng.size(full);
      const nonce = rng.hex(16);
      switch (rng.int(3)) {
        case 0: {
          const n = Math.floor(room / 3);
          return handPacked(
            `{"kind":"invoke","nonce":"${nonce}","cmd":"w","payload":[${Array(n).fill("[]").join(",")}]}`,
            "[]",
          );
        }
        case 1: {
          const n = Math.floor(room / 13);
          return handPacked(
            `{"kind":"invoke","nonce":"${nonce}","cmd":"w","payload":[${
              Array(n).fill('{"$bytes":0}').join(",")
            }]}`,
            "[4]",
            new Uint8Array(4),
          );
        }
        default: {
          const n = Math.max(0, Math.floor(room / 2) - 40);
          return handPacked(
            `{"kind":"invoke","nonce":"${nonce}","cmd":"w"}`,
            `[${Array(n).fill(0).join(",")}]`,
          );
        }
      }
    },
  },
];

interface PlainOutcome {
  kind: "rejected" | "accepted" | "crash" | "slow";
  detail?: string;
  ms: number;
}

function plainCase(bytes: Uint8Array, limits: Limits, slowMs: number): PlainOutcome {
  const started = performance.now();
  let outcome: PlainOutcome;
  try {
    const call = validateInvocation(unpackMessage(bytes, limits));
    const sane = (call.kind === "invoke" || call.kind === "event") && /^[0-9a-f]{32}$/.test(call.nonce) &&
      typeof call.cmd === "string" && call.cmd.length >= 1 && call.cmd.length <= 256;
    outcome = sane
      ? { kind: "accepted", ms: 0 }
      : { kind: "crash", detail: `insane call ${JSON.stringify(call).slice(0, 200)}`, ms: 0 };
  } catch (error) {
    outcome = refusal(error, true) === "crash"
      ? { kind: "crash", detail: describe(error), ms: 0 }
      : { kind: "rejected", ms: 0 };
  }
  outcome.ms = performance.now() - started;
  if (outcome.kind !== "crash" && outcome.ms > slowMs) {
    outcome = {
      kind: "slow",
      detail: `${outcome.ms.toFixed(0)} ms on ${bytes.length} bytes`,
      ms: outcome.ms,
    };
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------
// The run

export interface ClassCounts {
  cases: number;
  rejected: number;
  /** Of the rejected: refused by AES-GCM authentication (the input got past every shape check). */
  auth: number;
  equivalent: number;
  accepted: number;
  crashes: number;
  /** Controls inside cases that failed (a genuine envelope that should have opened first did not). */
  controlFailures: number;
}

export interface PlainCounts {
  cases: number;
  rejected: number;
  accepted: number;
  crashes: number;
  slow: number;
  /** Time in the decoder, total and slowest case. */
  ms: number;
  maxMs: number;
}

export interface Failure {
  phase: "control" | "envelope" | "plaintext";
  index: number;
  class: string;
  kind: string;
  detail: string;
  input: string;
}

export interface FuzzOptions {
  seed?: number;
  /** Envelope cases (default 100,000). */
  count?: number;
  /** Plaintext decoder cases (default count / 2). */
  plainCount?: number;
  limits?: Limits;
  /** Envelope cases opened concurrently. */
  batch?: number;
  /** A plaintext case slower than this is a finding. */
  slowMs?: number;
  /** Run only this case (for reproducing a failure). */
  only?: { phase: "envelope" | "plaintext"; index: number };
  /** Progress lines; silent by default. */
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  limits: Limits;
  controls: { checked: number; passed: number };
  envelope: {
    total: ClassCounts;
    byClass: Record<string, ClassCounts>;
    equivalentHow: Record<string, number>;
    reasons: Record<string, number>;
    ms: number;
  };
  plaintext: { total: PlainCounts; byClass: Record<string, PlainCounts>; ms: number };
  failures: Failure[];
  corpus: { originals: number; foreign: number; plaintexts: number };
  ms: number;
  peakRssMb: number;
  ok: boolean;
}

/** Smaller than the app's defaults (4 MiB, depth 64) so that 100,000 cases fit a CI budget: every check
 * and branch is reached the same way, and sizes only scale. Probe the real ones with --max-bytes/--max-depth. */
export const FUZZ_LIMITS: Limits = { maxMessageBytes: 64 * 1024, maxDepth: 16 };

function pickClass<T extends { weight: number }>(rng: Rng, classes: T[]): T {
  const total = classes.reduce((sum, c) => sum + c.weight, 0);
  let x = rng.float() * total;
  for (const c of classes) {
    x -= c.weight;
    if (x < 0) return c;
  }
  return classes[classes.length - 1];
}

const emptyCounts = (): ClassCounts => ({
  cases: 0,
  rejected: 0,
  auth: 0,
  equivalent: 0,
  accepted: 0,
  crashes: 0,
  controlFailures: 0,
});
const emptyPlain = (): PlainCounts => ({
  cases: 0,
  rejected: 0,
  accepted: 0,
  crashes: 0,
  slow: 0,
  ms: 0,
  maxMs: 0,
});

const ENVELOPE_STREAM = 1;
const PLAIN_STREAM = 2;
const HANG_MS = 30_000;

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const seed = (options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]) >>> 0;
  const count = options.count ?? 100_000;
  const plainCount = options.plainCount ?? Math.floor(count / 2);
  const limits = options.limits ?? FUZZ_LIMITS;
  const batch = options.batch ?? 64;
  const slowMs = options.slowMs ?? 250;
  const log = options.log ?? (() => {});
  const started = performance.now();
  let peakRss = Deno.memoryUsage().rss;
  const failures: Failure[] = [];
  const fail = (failure: Failure) => {
    if (failures.length < 200) failures.push(failure);
  };

  const corpus = await buildCorpus(seed, limits);
  const controls = await runControls(corpus);
  for (const detail of controls.failures) {
    fail({ phase: "control", index: -1, class: "control", kind: "control", detail, input: "" });
  }

  // Envelope cases, a batch at a time (decryption runs off the main thread).
  const byClass: Record<string, ClassCounts> = Object.fromEntries(
    ENVELOPE_CLASSES.map((c) => [c.name, emptyCounts()]),
  );
  const total = emptyCounts();
  const equivalentHow: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  const envelopeStarted = performance.now();
  const envelopeIndexes = options.only
    ? options.only.phase === "envelope" ? [options.only.index] : []
    : Array.from({ length: count }, (_, i) => i);
  for (let at = 0; at < envelopeIndexes.length; at += batch) {
    const indexes = envelopeIndexes.slice(at, at + batch);
    const settled = new Set<number>();
    const jobs = indexes.map(async (index) => {
      const rng = new Rng(seed, ENVELOPE_STREAM, index);
      const c = pickClass(rng, ENVELOPE_CLASSES);
      let outcome: Outcome;
      try {
        outcome = c.gen === "race" ? await raceCase(rng, corpus) : await envelopeCase(rng, corpus, c.gen);
      } catch (error) {
        outcome = { kind: "crash", detail: `the fuzzer's own case threw: ${describe(error)}`, input: "" };
      }
      settled.add(index);
      return { index, name: c.name, outcome };
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"hang">((resolve) => timer = setTimeout(() => resolve("hang"), HANG_MS));
    const results = await Promise.race([Promise.all(jobs), timeout]);
    clearTimeout(timer);
    if (results === "hang") {
      for (const index of indexes.filter((i) => !settled.has(i))) {
        total.cases++;
        total.crashes++;
        fail({
          phase: "envelope",
          index,
          class: "?",
          kind: "hang",
          detail: `no answer after ${HANG_MS} ms`,
          input: "",
        });
      }
      break;
    }
    for (const { index, name, outcome } of results) {
      const counts = byClass[name];
      for (const target of [counts, total]) {
        target.cases++;
        if (outcome.kind === "rejected") {
          target.rejected++;
          if (outcome.auth) target.auth++;
        } else if (outcome.kind === "equivalent") target.equivalent++;
        else if (outcome.kind === "accepted") target.accepted++;
        else if (outcome.kind === "control") target.controlFailures++;
        else target.crashes++;
      }
      if (outcome.kind === "rejected") reasons[outcome.reason] = (reasons[outcome.reason] ?? 0) + 1;
      if (outcome.kind === "equivalent") equivalentHow[outcome.how] = (equivalentHow[outcome.how] ?? 0) + 1;
      if (outcome.kind === "accepted" || outcome.kind === "crash" || outcome.kind === "control") {
        fail({
          phase: "envelope",
          index,
          class: name,
          kind: outcome.kind,
          detail: outcome.detail,
          input: preview(outcome.input),
        });
      }
      if (options.only) {
        const shown = "input" in outcome ? { ...outcome, input: preview(outcome.input, 2000) } : outcome;
        log(`envelope case ${index} (${name}): ${JSON.stringify(shown)}`);
      }
    }
    if ((at / batch) % 32 === 0) {
      peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
      if (at) log(`  envelope ${at}/${envelopeIndexes.length}`);
    }
  }
  const envelopeMs = performance.now() - envelopeStarted;

  // Plaintext decoder cases (synchronous: each is timed on its own).
  const plainByClass: Record<string, PlainCounts> = Object.fromEntries(
    PLAIN_CLASSES.map((c) => [c.name, emptyPlain()]),
  );
  const plainTotal = emptyPlain();
  const plainStarted = performance.now();
  const plainIndexes = options.only
    ? options.only.phase === "plaintext" ? [options.only.index] : []
    : Array.from({ length: plainCount }, (_, i) => i);
  for (const index of plainIndexes) {
    const rng = new Rng(seed, PLAIN_STREAM, index);
    const c = pickClass(rng, PLAIN_CLASSES);
    let bytes: Uint8Array;
    let outcome: PlainOutcome;
    try {
      bytes = c.gen(rng, corpus);
      outcome = plainCase(bytes, limits, slowMs);
    } catch (error) {
      bytes = new Uint8Array(0);
      outcome = { kind: "crash", detail: `the fuzzer's own case threw: ${describe(error)}`, ms: 0 };
    }
    for (const target of [plainByClass[c.name], plainTotal]) {
      target.cases++;
      target[outcome.kind === "slow" ? "slow" : outcome.kind === "crash" ? "crashes" : outcome.kind]++;
      target.ms += outcome.ms;
      target.maxMs = Math.max(target.maxMs, outcome.ms);
    }
    if (outcome.kind === "crash" || outcome.kind === "slow") {
      fail({
        phase: "plaintext",
        index,
        class: c.name,
        kind: outcome.kind,
        detail: outcome.detail ?? "",
        input: preview(bytes),
      });
    }
    if (options.only) {
      log(`plaintext case ${index} (${c.name}): ${JSON.stringify(outcome)} input ${preview(bytes, 2000)}`);
    }
    if (index % 4096 === 0) peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
  }
  const plainMs = performance.now() - plainStarted;
  peakRss = Math.max(peakRss, Deno.memoryUsage().rss);

  const ok = controls.failures.length === 0 && total.controlFailures === 0 && total.accepted === 0 &&
    total.crashes === 0 &&
    plainTotal.crashes === 0 && plainTotal.slow === 0;
  return {
    seed,
    limits,
    controls: { checked: controls.checked, passed: controls.passed },
    envelope: { total, byClass, equivalentHow, reasons, ms: envelopeMs },
    plaintext: { total: plainTotal, byClass: plainByClass, ms: plainMs },
    failures,
    corpus: {
      originals: corpus.originals.length,
      foreign: corpus.foreign.length,
      plaintexts: corpus.plaintexts.length,
    },
    ms: performance.now() - started,
    peakRssMb: peakRss / 1e6,
    ok,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The report

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) =>
    row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join("  ")
  )
    .join("\n");
}

export function formatReport(report: FuzzReport): string {
  const avg = (c: PlainCounts) => c.cases ? Math.round(c.ms * 1000 / c.cases) : 0;
  const e = report.envelope;
  const p = report.plaintext;
  const rate = (n: number, ms: number) =>
    ms > 0 ? `${Math.round(n / (ms / 1000)).toLocaleString("en-US")}/s` : "-";
  const lines = [
    `airlock fuzz — seed ${report.seed} (rerun: deno run tests/fuzz.ts --seed ${report.seed} --count ${e.total.cases} --plain-count ${p.total.cases})`,
    `limits ${report.limits.maxMessageBytes} bytes / depth ${report.limits.maxDepth}; corpus ${report.corpus.originals} genuine sealed envelopes, ${report.corpus.foreign} foreign seals, ${report.corpus.plaintexts} packed plaintexts`,
    `controls: ${report.controls.passed}/${report.controls.checked} passed (genuine envelopes open to what was sealed; replays refused); ${e.total.controlFailures} failed inside cases`,
    "",
    "open path (openEnvelope, IsolationSession.open): accepted and crashes must be 0",
    table(
      ["class", "cases", "rejected", "(auth)", "equiv", "accepted", "crashes"],
      [
        ...Object.entries(e.byClass).map((
          [name, c],
        ) => [name, c.cases, c.rejected, c.auth, c.equivalent, c.accepted, c.crashes]),
        [
          "total",
          e.total.cases,
          e.total.rejected,
          e.total.auth,
          e.total.equivalent,
          e.total.accepted,
          e.total.crashes,
        ],
      ],
    ),
    `  (auth) = refused only by AES-GCM, past every shape, session and replay check. equiv = opened, but was`,
    `  byte for byte a genuine unspent envelope (${
      Object.entries(e.equivalentHow).map(([k, v]) => `${k} ${v}`).join(", ") || "none"
    }); its replay was then refused.`,
    "",
    "plaintext decoder (unpackMessage + validateInvocation): crashes and slow must be 0; accepted is allowed",
    table(
      ["class", "cases", "rejected", "accepted", "crashes", "slow", "avg µs", "max ms"],
      [
        ...Object.entries(p.byClass).map((
          [name, c],
        ) => [name, c.cases, c.rejected, c.accepted, c.crashes, c.slow, avg(c), c.maxMs.toFixed(1)]),
        [
          "total",
          p.total.cases,
          p.total.rejected,
          p.total.accepted,
          p.total.crashes,
          p.total.slow,
          avg(p.total),
          p.total.maxMs.toFixed(1),
        ],
      ],
    ),
    "",
    `elapsed ${(report.ms / 1000).toFixed(1)} s: envelopes ${(e.ms / 1000).toFixed(1)} s (${
      rate(e.total.cases, e.ms)
    }), plaintexts ${(p.ms / 1000).toFixed(1)} s (${rate(p.total.cases, p.ms)}); peak RSS ${
      report.peakRssMb.toFixed(0)
    } MB`,
  ];
  if (report.failures.length) {
    lines.push("", `FAILURES (first ${report.failures.length}):`);
    for (const f of report.failures.slice(0, 20)) {
      const rerun = f.index >= 0
        ? ` — rerun: --seed ${report.seed} --${f.phase === "plaintext" ? "plain-case" : "case"} ${f.index}`
        : "";
      lines.push(
        `  [${f.phase} ${f.kind}] ${f.class} #${f.index}${rerun}`,
        `    ${f.detail.split("\n").slice(0, 6).join("\n    ")}`,
      );
      if (f.input) lines.push(`    input: ${f.input}`);
    }
  }
  lines.push("", report.ok ? "RESULT: PASS" : "RESULT: FAIL");
  return lines.join("\n");
}

function parseCli(args: string[]): FuzzOptions & { reasons: boolean } {
  // Quiet by default: the report only; --verbose adds progress lines.
  const options: FuzzOptions & { reasons: boolean } = { reasons: false };
  const number = (name: string, value: string | undefined) => {
    const n = Number(value);
    if (value === undefined || !Number.isSafeInteger(n) || n < 0) {
      throw new Error(`${name} needs a non-negative integer`);
    }
    return n;
  };
  const limits = { ...FUZZ_LIMITS };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2) as [string, string | undefined];
    const value = () => inline ?? args[++i];
    switch (flag) {
      case "--seed": {
        const seed = number(flag, value());
        if (seed > 0xffffffff) throw new Error("--seed is a 32-bit unsigned integer");
        options.seed = seed;
        break;
      }
      case "--count":
        options.count = number(flag, value());
        break;
      case "--plain-count":
        options.plainCount = number(flag, value());
        break;
      case "--case":
        options.only = { phase: "envelope", index: number(flag, value()) };
        break;
      case "--plain-case":
        options.only = { phase: "plaintext", index: number(flag, value()) };
        break;
      case "--max-bytes":
        limits.maxMessageBytes = number(flag, value());
        break;
      case "--max-depth":
        limits.maxDepth = number(flag, value());
        break;
      case "--slow-ms":
        options.slowMs = number(flag, value());
        break;
      case "--reasons":
        options.reasons = true;
        break;
      case "--verbose":
        options.log = (line) => console.log(line);
        break;
      case "--help":
        console.log(
          "deno run tests/fuzz.ts [--seed N] [--count N] [--plain-count N] [--case K | --plain-case K]\n" +
            "                       [--max-bytes N] [--max-depth N] [--slow-ms N] [--reasons] [--verbose]",
        );
        Deno.exit(0);
        break;
      default:
        throw new Error(`unknown option ${args[i]} (try --help)`);
    }
  }
  options.limits = limits;
  // A single case says what it did.
  if (options.only) options.log ??= (line) => console.log(line);
  return options;
}

if (import.meta.main) {
  let options;
  try {
    options = parseCli(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  const report = await runFuzz(options);
  console.log(formatReport(report));
  if (options.reasons) {
    console.log("\nrejections by reason (envelope cases):");
    const sorted = Object.entries(report.envelope.reasons).sort((a, b) => b[1] - a[1]);
    for (const [reason, n] of sorted) console.log(`  ${String(n).padStart(7)}  ${reason}`);
  }
  Deno.exit(report.ok ? 0 : 1);
}
