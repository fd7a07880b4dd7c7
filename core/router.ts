// Routing an opened message to the app's command handler, and turning every outcome into an answer the
// caller's promise can settle with.

export interface CommandContext {
  /** Label of the window the call came from. */
  window: string;
  app: { name: string; version: string; identifier: string };
}

// deno-lint-ignore no-explicit-any
export type CommandHandler = (args: any, context: CommandContext) => unknown;
export type Commands = Record<string, CommandHandler>;

export type Answer = { id: number | null; ok: true; value: unknown } | {
  id: number | null;
  ok: false;
  error: string;
};

export async function dispatch(
  commands: Commands,
  id: number,
  cmd: string,
  args: unknown,
  context: CommandContext,
): Promise<Answer> {
  // Own properties only: "constructor" or "__proto__" must not resolve to something callable.
  const handler = Object.hasOwn(commands, cmd) ? commands[cmd] : undefined;
  if (typeof handler !== "function") return { id, ok: false, error: `unknown command: ${cmd}` };
  try {
    return { id, ok: true, value: await handler(args, context) };
  } catch (error) {
    return { id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** The answer as JSON text; a result JSON cannot carry is the command's error, not the core's crash. */
export function encodeAnswer(answer: Answer, cmd?: string): string {
  try {
    return JSON.stringify(answer.ok ? { ...answer, value: answer.value ?? null } : answer);
  } catch (error) {
    return JSON.stringify({
      id: answer.id,
      ok: false,
      error: `the result of ${cmd ?? "the command"} cannot be sent to the page: ${(error as Error).message}`,
    });
  }
}
