// Opening a sealed message: the only way anything a page sends can reach a command.
// Order matters: cheap shape checks first (hostile input is mostly junk), then the session and replay
// checks, then AES-GCM authentication, and only then is the replay number spent and the content trusted.
import { base64ToBytes, binaryEnvelopeParts, envelopeAad } from "../protocol/seal.ts";
import { unpackMessage as unpackBytes } from "../protocol/wire.ts";
import type { ReplayWindow } from "./replay.ts";

/** A message refused by the core; the message says why and goes back to the caller. */
export class RejectedMessage extends Error {
  override name = "RejectedMessage";
  /** The command the message named, when it got far enough to be known. */
  constructor(message: string, readonly cmd?: string) {
    super(message);
  }
}

/** Sealed with a sequence number the replay window has moved past (newer calls overtook it): it was
 * never opened and did not run, so the relay may seal it anew. */
export class OutsideReplayWindow extends RejectedMessage {
  override name = "OutsideReplayWindow";
}

function replayRefusal(replay: ReplayWindow, seq: number, problem: string): RejectedMessage {
  return replay.tooOld(seq) ? new OutsideReplayWindow(problem) : new RejectedMessage(problem);
}

export interface Invocation {
  /** "event" for the event plugin's commands (listen, unlisten, emit), "invoke" for everything else. */
  kind: "invoke" | "event";
  /** The call's secret id: sealed on the way in, echoed in the answer so only the caller can be settled. */
  nonce: string;
  cmd: string;
  payload: unknown;
  options: unknown;
}

export interface Limits {
  maxMessageBytes: number;
  maxDepth: number;
}

export interface OpenContext {
  window: string;
  sid: string;
  key: CryptoKey;
  /** The same key's synchronous decryption (see key.ts); WebCrypto with `key` when absent. */
  decrypt?: (iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => Uint8Array<ArrayBuffer>;
  replay: ReplayWindow;
  limits: Limits;
}

/** Commands of the event plugin (Tauri's names); their messages are sealed as kind "event". */
export const EVENT_PREFIX = "plugin:event|";
const SID = /^[0-9a-f]{32}$/;

/** Strict base64, or null: no whitespace, no stray characters, canonical padding. */
function decode(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    return base64ToBytes(text);
  } catch {
    return null;
  }
}
const padding = (text: string) => text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RejectedMessage(`${what} is not valid JSON`);
  }
}

/** Opens a sealed call's string envelope; rejects with a RejectedMessage saying why it is refused. */
export async function openEnvelope(wire: string, context: OpenContext): Promise<Invocation> {
  return await openEnvelopeInPlace(wire, context);
}

/** A large call's byte envelope (see sealEnvelopeBytes): the same checks as the string one's. */
export async function openBinaryEnvelope(
  bytes: Uint8Array<ArrayBuffer>,
  context: OpenContext,
): Promise<Invocation> {
  return await openBinaryEnvelopeInPlace(bytes, context);
}

/**
 * As openEnvelope, but opened in place (no promise) when the context decrypts synchronously — the core's
 * path: a small call then needs no turn of the event loop before its command runs. Throws what
 * openEnvelope rejects with.
 */
export function openEnvelopeInPlace(wire: string, context: OpenContext): Invocation | Promise<Invocation> {
  // Base64 makes the wire a third larger than what it carries; the limit is on what it carries.
  const limit = Math.ceil(context.limits.maxMessageBytes * 4 / 3) + 1024;
  if (wire.length > limit) throw new RejectedMessage(`message too large (${wire.length} bytes on the wire)`);
  const envelope = parseJson(wire, "message") as Record<string, unknown> | null;
  if (typeof envelope !== "object" || envelope === null || !("ct" in envelope)) {
    throw new RejectedMessage("message is not sealed by the isolation frame");
  }
  const { v, sid, seq, iv, ct } = envelope;
  if (v !== 1) throw new RejectedMessage("unsupported envelope version");
  if (typeof sid !== "string" || !SID.test(sid)) throw new RejectedMessage("malformed envelope: sid");
  if (typeof seq !== "number") throw new RejectedMessage("malformed envelope: seq");
  // Strict base64 decoding is the character check (a regex over a large ciphertext cost more than
  // the decryption); the lengths then pin the shape: a 96-bit IV, at least a 128-bit tag.
  const ivBytes = typeof iv === "string" && iv.length === 16 ? decode(iv) : null;
  if (ivBytes?.length !== 12) throw new RejectedMessage("malformed envelope: iv"); // 16 chars, no padding
  const ctText = typeof ct === "string" && ct.length >= 24 && ct.length % 4 === 0 ? ct : "";
  const ctBytes = ctText ? decode(ctText) : null;
  // The length check also refuses whitespace, which base64 decoders skip.
  if (ctBytes === null || ctBytes.length < 16 || ctBytes.length !== ctText.length / 4 * 3 - padding(ctText)) {
    throw new RejectedMessage("malformed envelope: ct");
  }
  return openSealed(sid, seq, ivBytes, ctBytes, context);
}

/** openBinaryEnvelope, in place when the context decrypts synchronously (see openEnvelopeInPlace). */
export function openBinaryEnvelopeInPlace(
  bytes: Uint8Array<ArrayBuffer>,
  context: OpenContext,
): Invocation | Promise<Invocation> {
  if (bytes.byteLength > context.limits.maxMessageBytes + 1024) {
    throw new RejectedMessage(`message too large (${bytes.byteLength} bytes on the wire)`);
  }
  const parts = binaryEnvelopeParts(bytes);
  if (!parts) throw new RejectedMessage("message is not sealed by the isolation frame");
  if (!SID.test(parts.sid)) throw new RejectedMessage("malformed envelope: sid");
  return openSealed(parts.sid, parts.seq, parts.iv, parts.ct, context);
}

function openSealed(
  sid: string,
  seq: number,
  ivBytes: Uint8Array<ArrayBuffer>,
  ctBytes: Uint8Array<ArrayBuffer>,
  context: OpenContext,
): Invocation | Promise<Invocation> {
  if (sid !== context.sid) {
    throw new RejectedMessage("message sealed for another session (stale key or forged)");
  }
  const replayProblem = context.replay.check(seq);
  if (replayProblem) throw replayRefusal(context.replay, seq, replayProblem);
  const aad = envelopeAad(context.window, sid, seq);
  if (!context.decrypt || ctBytes.byteLength > IN_PLACE_DECRYPT_MAX) {
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: ivBytes, additionalData: aad }, context.key, ctBytes)
      .then((plaintext) => accept(seq, new Uint8Array(plaintext), context), (error) => {
        throw error instanceof RejectedMessage ? error : unauthentic();
      });
  }
  let plaintext: Uint8Array<ArrayBuffer>;
  try {
    plaintext = context.decrypt(ivBytes, aad, ctBytes);
  } catch {
    throw unauthentic();
  }
  return accept(seq, plaintext, context);
}

/** Largest ciphertext opened in place with node:crypto. Its GCM is 3× slower per byte than WebCrypto's
 * here (1 MiB: 5.0 ms against 1.7 ms), whose thread hop only pays for itself on small calls. */
export const IN_PLACE_DECRYPT_MAX = 64 * 1024;

const unauthentic = () =>
  new RejectedMessage("message failed authentication (tampered, or not sealed with this session's key)");

/** An authenticated call: only now may its number be spent (a replay racing the original loses here). */
function accept(seq: number, plaintext: Uint8Array<ArrayBuffer>, context: OpenContext): Invocation {
  const raced = context.replay.check(seq);
  if (raced) throw replayRefusal(context.replay, seq, raced);
  context.replay.accept(seq);
  return validateInvocation(unpackMessage(plaintext, context.limits));
}

/** Unpacks opened (or brownfield) bytes, within the limits. */
export function unpackMessage(bytes: Uint8Array, limits: Limits): unknown {
  if (bytes.byteLength > limits.maxMessageBytes) {
    throw new RejectedMessage(
      `message too large (${bytes.byteLength} bytes, limit ${limits.maxMessageBytes})`,
    );
  }
  try {
    return unpackBytes(bytes, limits.maxDepth);
  } catch (error) {
    throw new RejectedMessage((error as Error).message);
  }
}

/** Whether text holds a C0 control character or DEL. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** The core's own shape check of what it is about to act on, whoever sealed it. */
export function validateInvocation(value: unknown): Invocation {
  if (typeof value !== "object" || value === null) {
    throw new RejectedMessage("sealed content is not an object");
  }
  const message = value as Record<string, unknown>;
  if (message.kind !== "invoke" && message.kind !== "event") {
    throw new RejectedMessage("unsupported message kind");
  }
  if (typeof message.nonce !== "string" || !/^[0-9a-f]{32}$/.test(message.nonce)) {
    throw new RejectedMessage("malformed message: nonce");
  }
  // No control characters: one name, one meaning, for the router, the capabilities and the audit line.
  if (
    typeof message.cmd !== "string" || message.cmd === "" || message.cmd.length > 256 ||
    hasControlCharacter(message.cmd)
  ) {
    throw new RejectedMessage("malformed message: cmd");
  }
  if ((message.kind === "event") !== message.cmd.startsWith(EVENT_PREFIX)) {
    throw new RejectedMessage(`message kind ${message.kind} does not match its command`, message.cmd);
  }
  return {
    kind: message.kind,
    nonce: message.nonce as string,
    cmd: message.cmd,
    payload: message.payload ?? null,
    options: message.options ?? null,
  };
}
