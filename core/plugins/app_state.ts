// What the built-in plugins keep for the whole app rather than for one window (open stores and databases,
// their resource ids, what must happen before the process exits), as Tauri keeps it in the app's state and
// resources table. Every window's commands are built from the app's one config object: it is the key.

interface AppState {
  plugins: Map<string, unknown>;
  exitHooks: Set<() => unknown>;
  nextRid: number;
}

const states = new WeakMap<object, AppState>();

function stateOf(app: object): AppState {
  let state = states.get(app);
  if (!state) {
    state = { plugins: new Map(), exitHooks: new Set(), nextRid: 1 };
    states.set(app, state);
  }
  return state;
}

/** The plugin's state for this app, created on first use. */
export function pluginState<T>(app: object, plugin: string, create: () => T): T {
  const { plugins } = stateOf(app);
  if (!plugins.has(plugin)) plugins.set(plugin, create());
  return plugins.get(plugin) as T;
}

/** A new resource id for this app (Tauri's ResourceId: a small positive integer, never reused). */
export const newResourceId = (app: object): number => stateOf(app).nextRid++;

/** Runs `hook` before the app's process exits through the process plugin (Tauri's RunEvent::Exit). */
export function onExit(app: object, hook: () => unknown): () => void {
  const { exitHooks } = stateOf(app);
  exitHooks.add(hook);
  return () => void exitHooks.delete(hook);
}

/** Runs every exit hook (each at most `timeoutMs`); a failing one is reported, the rest still run. */
export async function runExitHooks(app: object, timeoutMs = 5_000): Promise<void> {
  const hooks = [...stateOf(app).exitHooks];
  await Promise.all(hooks.map(async (hook) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        hook(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`took longer than ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      console.error(`airlock: before exit: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }));
}
