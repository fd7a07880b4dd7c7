// Events of one window, in both directions, under Tauri's command names so @tauri-apps/api's event module
// works: the page's listen/unlisten/emit arrive as sealed "plugin:event|…" calls (through the hook, like
// any invoke), and the core's emit reaches only this window's own listeners.
import type { Commands } from "./router.ts";

/** Event names a page may not emit: Tauri's window events, and the events of Airlock's own plugins. */
export const RESERVED_EVENT_SCHEMES = ["tauri", "store", "log"];

/** What an app's core-side listener receives. */
export interface EventMessage {
  event: string;
  payload: unknown;
  /** Label of the window whose page emitted it. */
  window: string;
}
export type EventListener = (message: EventMessage) => void | Promise<void>;

/** Sends a message down to the page (sealed when the window is isolated): an event for the listeners
 * with these ids, or a message for one channel. */
export type Deliver = (
  message: { kind: "event"; event: string; handlers: number[]; payload: unknown } | {
    kind: "channel";
    channel: number;
    message: unknown;
  },
) => Promise<void>;

/** A Tauri Channel the page passed as an argument: the command streams messages to it, in order. */
export interface Channel {
  readonly id: number;
  send(message: unknown): Promise<void>;
  /** Tells the page no more messages will come (its callback is then released). */
  close(): Promise<void>;
}

const CHANNEL_REF = /^__CHANNEL__:(\d{1,16})$/;

// Tauri's rule for event names, so names valid there are valid here and nothing odd reaches a listener.
const EVENT_NAME = /^[A-Za-z0-9\-/:_]{1,256}$/;
const MAX_LISTENERS = 10_000;

function eventName(value: unknown): string {
  if (typeof value !== "string" || !EVENT_NAME.test(value)) {
    throw new Error("event name must be 1–256 characters of letters, digits, -, /, : and _");
  }
  return value;
}

/** The window label a Tauri event target names ({ kind: "Window" | "Webview" | "WebviewWindow" |
 * "AnyLabel", label }), or null for any. */
function targetLabel(target: unknown): string | null {
  if (target === null || typeof target !== "object") return null;
  const { kind, label } = target as { kind?: unknown; label?: unknown };
  if (kind === "Any" || kind === "App" || typeof label !== "string") return null;
  return label;
}

function handlerId(value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new Error("event handler id must be a non-negative integer");
  }
  return value as number;
}

export class WindowEvents {
  /** The page's listeners: event name → handler ids (the functions themselves stay in the page). */
  #page = new Map<string, Set<number>>();
  /** The window a listener was registered for (Tauri's `{ kind: "Window", label }` targets, as
   * `getCurrentWindow().listen` and `WebviewWindow.listen` send), when it is not "any". */
  #targets = new Map<number, string>();
  #pageCount = 0;
  #core = new Map<string, Set<EventListener>>();

  /**
   * @param route sends a page's event on to the pages it is for: every window's (label null) or one
   *   window's. Without it (one window alone), only this page can be the target.
   */
  constructor(
    readonly window: string,
    private readonly deliver: Deliver,
    private readonly route?: (event: string, payload: unknown, label: string | null) => Promise<void>,
  ) {}

  /** A new document in the window: its old listeners are gone with the old page. */
  reset(): void {
    this.#page.clear();
    this.#targets.clear();
    this.#pageCount = 0;
  }

  /** An event from the core to every window's page (through the app's route; this page alone without). */
  broadcast(event: string, payload?: unknown): Promise<void> {
    return this.route ? this.route(eventName(event), payload ?? null, null) : this.emit(event, payload);
  }

  /** Whether this window's page listens for `event` of window `label` (its own when omitted): with a
   * listener for any window, or for that one. */
  hasPageListener(event: string, label = this.window): boolean {
    return this.#handlersFor(event, label).length > 0;
  }

  /** An event of window `label` (tauri://resize, tauri://destroyed, …) to this page's listeners for it:
   * those for any window, if `label` is this page's own, and those registered for `label`. */
  async emitFor(label: string, event: string, payload?: unknown): Promise<void> {
    const handlers = this.#handlersFor(eventName(event), label);
    if (handlers.length) await this.deliver({ kind: "event", event, handlers, payload: payload ?? null });
  }

  #handlersFor(event: string, label: string): number[] {
    const out: number[] = [];
    for (const id of this.#page.get(event) ?? []) {
      const target = this.#targets.get(id);
      if (target === label || (target === undefined && label === this.window)) out.push(id);
    }
    return out;
  }

  /** The app's own listener for events the page emits; returns the function that removes it. */
  listen(event: string, listener: EventListener): () => void {
    const name = eventName(event);
    const set = this.#core.get(name) ?? new Set();
    this.#core.set(name, set);
    set.add(listener);
    return () => void set.delete(listener);
  }

  /** An event from the core to this window's page; only the handlers listening for it see it. */
  async emit(event: string, payload?: unknown): Promise<void> {
    const handlers = this.#page.get(eventName(event));
    if (handlers?.size) {
      await this.deliver({ kind: "event", event, handlers: [...handlers], payload: payload ?? null });
    }
  }

  /** The channel an argument refers to ("__CHANNEL__:<id>", what a Tauri Channel serialises to). */
  channel(ref: unknown): Channel {
    const match = typeof ref === "string" ? CHANNEL_REF.exec(ref) : null;
    if (!match) throw new Error("not a channel: expected a Channel argument");
    const id = Number(match[1]);
    let index = 0;
    let closed = false;
    const post = (message: Record<string, unknown>) =>
      this.deliver({ kind: "channel", channel: id, message });
    return {
      id,
      send: (message) => {
        if (closed) return Promise.reject(new Error("the channel is closed"));
        return post({ message: message ?? null, index: index++ });
      },
      close: () => {
        if (closed) return Promise.resolve();
        closed = true;
        return post({ end: true, index: index++ });
      },
    };
  }

  /** The "plugin:event|…" commands the page's calls are routed to (once opened and checked). */
  commands(): Commands {
    return {
      "plugin:event|listen": (args) => {
        const name = eventName(args?.event);
        const id = handlerId(args?.handler);
        const set = this.#page.get(name) ?? new Set();
        if (!set.has(id)) {
          if (this.#pageCount >= MAX_LISTENERS) {
            throw new Error(`too many event listeners (limit ${MAX_LISTENERS})`);
          }
          this.#pageCount++;
        }
        this.#page.set(name, set.add(id));
        const label = targetLabel(args?.target);
        if (label !== null) this.#targets.set(id, label);
        else this.#targets.delete(id);
        return id;
      },
      "plugin:event|unlisten": (args) => {
        const name = eventName(args?.event);
        const set = this.#page.get(name);
        const id = handlerId(args?.eventId);
        if (set?.delete(id)) this.#pageCount--;
        this.#targets.delete(id);
        if (set?.size === 0) this.#page.delete(name); // names do not pile up as listeners come and go
        return null;
      },
      // Tauri's emit: every window's page; emitTo: the target's only (Tauri's target shapes: a label, or
      // { kind: "Any" } / { kind: "AnyLabel" | "Window" | "Webview" | "WebviewWindow", label }).
      "plugin:event|emit": (args) => this.#fromPage(args?.event, args?.payload, null),
      "plugin:event|emit_to": (args) => {
        const target = args?.target;
        if (target?.kind === "Any") return this.#fromPage(args?.event, args?.payload, null);
        const label = typeof target === "string" ? target : target?.label;
        if (typeof label !== "string") {
          throw new Error("emit_to: the target must be a label or { kind, label }");
        }
        return this.#fromPage(args?.event, args?.payload, label);
      },
    };
  }

  async #fromPage(event: unknown, payload: unknown, label: string | null): Promise<null> {
    const name = eventName(event);
    // Window events (close-requested, resize, destroyed, …) are the core's to send: a page that could
    // emit one could make another window's honest handler close it.
    // So are the built-in plugins' (store://change, log://log): honest onKeyChange or attachConsole code
    // in another window must not be fed made-up values.
    const scheme = /^([a-z0-9-]+):\/\//.exec(name)?.[1];
    if (scheme !== undefined && RESERVED_EVENT_SCHEMES.includes(scheme)) {
      throw new Error(`${name}: events named ${scheme}://… are sent by Airlock only`);
    }
    const message = { event: name, payload: payload ?? null, window: this.window };
    // The app's listeners first, then the pages' (Tauri delivers a page's emit to itself too).
    for (const listener of [...this.#core.get(name) ?? []]) {
      try {
        await listener(message);
      } catch (error) {
        console.error(`airlock: listener for ${name} failed: ${(error as Error)?.message ?? error}`);
      }
    }
    if (this.route) await this.route(name, message.payload, label);
    else if (label === null || label === this.window) await this.emit(name, message.payload);
    return null;
  }
}
