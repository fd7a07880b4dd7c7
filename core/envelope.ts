// Opening a sealed message: the only way anything a page sends can reach a command.
// Order matters: cheap shape checks first (hostile input is mostly junk), then the session and replay
// checks, then AES-GCM authentication, and only then is the replay number spent and the content trusted.
import { base64ToBytes, envelopeAad } from "../isolation/seal.ts";
import { restoreBytes, tooDeep } from "../isolation/wire.ts";
import type { ReplayWindow } from "./replay.ts";

/** A message refused by the core; the message says why and goes back to the caller. */
export class RejectedMessage extends Error {
  override name = "RejectedMessage";
}

export interface Invocation {
  kind: "invoke";
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
  replay: ReplayWindow;
  limits: Limits;
}

const SID = /^[0-9a-f]{32}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RejectedMessage(`${what} is not valid JSON`);
  }
}

export async function openEnvelope(wire: string, context: OpenContext): Promise<Invocation> {
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
  if (typeof iv !== "string" || iv.length !== 16 || !BASE64.test(iv)) {
    throw new RejectedMessage("malformed envelope: iv");
  }
  if (typeof ct !== "string" || ct.length < 24 || ct.length % 4 !== 0 || !BASE64.test(ct)) {
    throw new RejectedMessage("malformed envelope: ct");
  }
  if (sid !== context.sid) {
    throw new RejectedMessage("message sealed for another session (stale key or forged)");
  }
  const replayProblem = context.replay.check(seq);
  if (replayProblem) throw new RejectedMessage(replayProblem);

  let plaintext: ArrayBuffer;
  try {
    plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: base64ToBytes(iv), additionalData: envelopeAad(context.window, sid, seq) },
      context.key,
      base64ToBytes(ct),
    );
  } catch {
    throw new RejectedMessage(
      "message failed authentication (tampered, or not sealed with this session's key)",
    );
  }
  // Authenticated: only now may the number be spent (a replay racing the original loses here).
  const raced = context.replay.check(seq);
  if (raced) throw new RejectedMessage(raced);
  context.replay.accept(seq);
  return validateInvocation(unpackMessage(new Uint8Array(plaintext), context.limits));
}

/** The inverse of packMessage, for bytes nobody should be trusted on: every length is checked. */
export function unpackMessage(bytes: Uint8Array, limits: Limits): unknown {
  if (bytes.byteLength > limits.maxMessageBytes) {
    throw new RejectedMessage(
      `message too large (${bytes.byteLength} bytes, limit ${limits.maxMessageBytes})`,
    );
  }
  if (bytes.byteLength < 8) throw new RejectedMessage("malformed message: truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(0);
  const lengthsLength = view.getUint32(4);
  const blobsAt = 8 + jsonLength + lengthsLength;
  if (blobsAt > bytes.byteLength) throw new RejectedMessage("malformed message: lengths exceed the message");
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let json: string, lengths: unknown;
  try {
    json = decoder.decode(bytes.subarray(8, 8 + jsonLength));
    lengths = JSON.parse(decoder.decode(bytes.subarray(8 + jsonLength, blobsAt)));
  } catch {
    throw new RejectedMessage("malformed message: not UTF-8 JSON");
  }
  if (!Array.isArray(lengths) || !lengths.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new RejectedMessage("malformed message: blob lengths");
  }
  const blobs: Uint8Array[] = [];
  let at = blobsAt;
  for (const length of lengths as number[]) {
    if (at + length > bytes.byteLength) throw new RejectedMessage("malformed message: blob past the end");
    blobs.push(bytes.slice(at, at + length));
    at += length;
  }
  if (at !== bytes.byteLength) throw new RejectedMessage("malformed message: trailing bytes");
  const value = parseJson(json, "message content");
  // Checked before the (recursive) restore walks it.
  if (tooDeep(value, limits.maxDepth)) {
    throw new RejectedMessage(`message nests deeper than ${limits.maxDepth} levels`);
  }
  try {
    return restoreBytes(value, blobs);
  } catch (error) {
    throw new RejectedMessage(`malformed message: ${(error as Error).message}`);
  }
}

/** The core's own shape check of what it is about to act on, whoever sealed it. */
export function validateInvocation(value: unknown): Invocation {
  if (typeof value !== "object" || value === null) {
    throw new RejectedMessage("sealed content is not an object");
  }
  const message = value as Record<string, unknown>;
  if (message.kind !== "invoke") throw new RejectedMessage("unsupported message kind");
  if (typeof message.nonce !== "string" || !/^[0-9a-f]{32}$/.test(message.nonce)) {
    throw new RejectedMessage("malformed message: nonce");
  }
  if (typeof message.cmd !== "string" || message.cmd === "" || message.cmd.length > 256) {
    throw new RejectedMessage("malformed message: cmd");
  }
  return {
    kind: "invoke",
    nonce: message.nonce as string,
    cmd: message.cmd,
    payload: message.payload ?? null,
    options: message.options ?? null,
  };
}
