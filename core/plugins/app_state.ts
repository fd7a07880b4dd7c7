// What the built-in plugins keep for the whole app rather than for one window (open stores and databases,
// their resource ids, what must happen before the process exits), as Tauri keeps it in the app's state and
// resources table. Every window's commands are built from the app's one config object: it is the key.

interface AppState {
  plugins: Map<string, unknown>;
  exitHooks: Set<() => unknown>;
  /** The app's own resources (Tauri's app resources table): rid → what closes it. */
  resources: Map<number, () => unknown>;
}

const states = new WeakMap<object, AppState>();

function stateOf(app: object): AppState {
  let state = states.get(app);
  if (!state) {
    state = { plugins: new Map(), exitHooks: new Set(), resources: new Map() };
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

/** Adds an app-wide resource (one every window may name, as Tauri's app resources table holds a store) and
 * returns its id: random, as the windows' own resource ids are, so a page cannot guess one it was not given. */
export function addAppResource(app: object, close: () => unknown): number {
  const { resources } = stateOf(app);
  let rid: number;
  do rid = crypto.getRandomValues(new Uint32Array(1))[0] + 1; while (resources.has(rid));
  resources.set(rid, close);
  return rid;
}

/** Closes an app-wide resource; false when there is none of that id. */
export async function closeAppResource(app: object, rid: unknown): Promise<boolean> {
  const { resources } = stateOf(app);
  const close = typeof rid === "number" ? resources.get(rid) : undefined;
  if (!close) return false;
  resources.delete(rid as number);
  await close();
  return true;
}

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
