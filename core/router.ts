// Routing an opened message to the app's command handler, and turning every outcome into an answer the
// caller's promise can settle with.
import { bytesToBase64 } from "../isolation/seal.ts";
import type { Channel } from "./events.ts";

export interface CommandContext {
  /** Label of the window the call came from. */
  window: string;
  app: { name: string; version: string; identifier: string };
  /** Sends an event to that window's page (only its listeners for the event see it). */
  emit(event: string, payload?: unknown): Promise<void>;
  /** The channel a Channel argument refers to, for streaming messages to the page. */
  channel(ref: unknown): Channel;
}

// deno-lint-ignore no-explicit-any
export type CommandHandler = (args: any, context: CommandContext) => unknown;
export type Commands = Record<string, CommandHandler>;

/** nonce: the call's secret id from inside the sealed message; absent when the message could not be opened. */
export type Answer =
  | { nonce?: string; ok: true; value: unknown }
  | { nonce?: string; ok: false; error: string };

export async function dispatch(
  commands: Commands,
  nonce: string,
  cmd: string,
  args: unknown,
  context: CommandContext,
): Promise<Answer> {
  // Own properties only: "constructor" or "__proto__" must not resolve to something callable.
  const handler = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
  if (typeof handler !== "function") return { nonce, ok: false, error: `unknown command: ${cmd}` };
  try {
    return { nonce, ok: true, value: await handler(args, context) };
  } catch (error) {
    return { nonce, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The answer as JSON text. Bytes in a result (Uint8Array, ArrayBuffer) travel as base64 blobs beside the
 * JSON, referenced as {"$bytes": i}, and come out as Uint8Array in the page. A result JSON cannot carry is
 * the command's error, not the core's crash.
 */
export function encodeAnswer(answer: Answer, cmd?: string): string {
  const blobs: string[] = [];
  const replacer = (_key: string, value: unknown) => {
    if (value instanceof ArrayBuffer) value = new Uint8Array(value);
    if (ArrayBuffer.isView(value)) {
      blobs.push(bytesToBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)));
      return { $bytes: blobs.length - 1 };
    }
    return value;
  };
  try {
    const text = JSON.stringify(answer.ok ? { ...answer, value: answer.value ?? null } : answer, replacer);
    return blobs.length ? `${text.slice(0, -1)},"blobs":${JSON.stringify(blobs)}}` : text;
  } catch (error) {
    return JSON.stringify({
      nonce: answer.nonce,
      ok: false,
      error: `the result of ${cmd ?? "the command"} cannot be sent to the page: ${(error as Error).message}`,
    });
  }
}
