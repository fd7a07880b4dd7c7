// Routing an opened message to the app's command handler, and turning every outcome into an answer the
// caller's promise can settle with.
import { bytesToBase64 } from "../protocol/seal.ts";
import type { Channel } from "./events.ts";
import type { Scope } from "./permissions.ts";
import { type Infer, type Schema, t, ValidationError } from "./schema.ts";

export interface CommandContext {
  /** Label of the window the call came from. */
  window: string;
  app: { name: string; version: string; identifier: string };
  /** Sends an event to that window's page (only its listeners for the event see it). */
  emit(event: string, payload?: unknown): Promise<void>;
  /** The channel a Channel argument refers to, for streaming messages to the page. */
  channel(ref: unknown): Channel;
  /** The scope the window's capabilities give this command (its own and its plugin's, allow and deny),
   * or null when the app has no capabilities (then only the airlock config section limits it). */
  scope: Scope | null;
  /** The call's invoke headers (Tauri's `invoke(cmd, payload, { headers })`, as request.headers() in a
   * Tauri command): names lower-cased, string values only; {} when the call had none. */
  headers: Record<string, string>;
}

/** The headers of a call's invoke options, as the page sent them (a record or [name, value] pairs);
 * anything else in them is ignored. */
export function invokeHeaders(options: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  const given = options !== null && typeof options === "object"
    ? (options as { headers?: unknown }).headers
    : undefined;
  if (given === null || typeof given !== "object") return headers;
  const pairs = Array.isArray(given) ? given : Object.entries(given);
  for (const pair of pairs.slice(0, 256)) {
    if (!Array.isArray(pair) || typeof pair[0] !== "string" || typeof pair[1] !== "string") continue;
    Object.defineProperty(headers, pair[0].toLowerCase(), { value: pair[1], enumerable: true });
  }
  return headers;
}

// deno-lint-ignore no-explicit-any
export type CommandHandler = (args: any, context: CommandContext) => unknown;
export type Commands = Record<string, CommandHandler>;

/** nonce: the call's secret id from inside the sealed message; absent when the message could not be opened. */
export type Answer =
  | { nonce?: string; ok: true; value: unknown }
  | { nonce?: string; ok: false; error: string };

/**
 * A command whose arguments are checked against a schema before the handler runs; `args` is typed from
 * it. A bad call is refused with the field at fault: "invalid arguments for greet: args.name: expected a
 * string, got number".
 */
export function command<S extends Schema<unknown> | Record<string, Schema<unknown>>, R>(
  schema: S,
  handler: (args: S extends Schema<infer T> ? T : Infer<Schema<ObjectArgs<S>>>, context: CommandContext) => R,
): CommandHandler {
  const check =
    (typeof (schema as Schema<unknown>).parse === "function"
      ? schema
      : t.object(schema as Record<string, Schema<unknown>>)) as Schema<unknown>;
  const checked: CommandHandler = (args, context) => handler(check.parse(args, "args") as never, context);
  return checked;
}
type ObjectArgs<S> = S extends Record<string, Schema<unknown>> ? Infer<ReturnType<typeof t.object<S>>>
  : never;

export function dispatch(
  commands: Commands,
  nonce: string,
  cmd: string,
  args: unknown,
  context: CommandContext,
): Answer | Promise<Answer> {
  // Own properties only: "constructor" or "__proto__" must not resolve to something callable.
  const handler = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
  if (typeof handler !== "function") return { nonce, ok: false, error: `unknown command: ${cmd}` };
  const failed = (error: unknown): Answer => {
    if (error instanceof ValidationError) {
      return { nonce, ok: false, error: `invalid arguments for ${cmd}: ${error.message}` };
    }
    return { nonce, ok: false, error: error instanceof Error ? error.message : String(error) };
  };
  let value: unknown;
  try {
    value = handler(args, context);
  } catch (error) {
    return failed(error);
  }
  // A command that answers at once is answered at once (no promise, no turn of the event loop).
  if (!isThenable(value)) return { nonce, ok: true, value };
  return Promise.resolve(value).then((settled): Answer => ({ nonce, ok: true, value: settled }), failed);
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && (typeof value === "object" || typeof value === "function") &&
  typeof (value as { then?: unknown }).then === "function";

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
    if (
      value !== null && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, "$bytes")
    ) {
      throw new Error('an object with a "$bytes" key cannot be sent (the name is reserved for binary data)');
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
