// One window's message handling, the road from what the relay sends (WIRE) to a command and back. No
// webview in here: `handle(wire)` takes the relay's string and returns the answer's, so this is tested
// without GTK (tests/window_core_test.ts), and the host (host/) wires it to a native window.
import { BATCH_CALL_CHARS, BATCH_MAX_CALLS, WIRE } from "../protocol/messages.ts";
import type { SchemeRequest, SchemeResponse } from "../protocol/scheme.ts";
import { base64ToBytes, binaryEnvelopeParts } from "../protocol/seal.ts";
import { randomHex } from "../protocol/primordials.ts";
import type { IsolationDocument } from "../isolation/document.ts";
import type { AppConfig } from "./config.ts";
import { IsolationDocuments, sameSecret } from "./documents.ts";
import {
  type Invocation,
  OutsideReplayWindow,
  RejectedMessage,
  unpackMessage,
  validateInvocation,
} from "./envelope.ts";
import { isBuiltin } from "./builtins.ts";
import { WindowEvents } from "./events.ts";
import { Outbox } from "./outbox.ts";
import type { WindowPolicy } from "./policy.ts";
import { RateLimit } from "./rate.ts";
import { ExecutedCalls } from "./executed.ts";
import {
  type Answer,
  type CommandContext,
  type Commands,
  dispatch,
  encodeAnswer,
  invokeHeaders,
} from "./router.ts";

const OPEN = { allowed: true, scope: null } as const;

/** A value now, or a promise of it when something in the call waits. */
type InPlace<T> = T | Promise<T>;

/** Commands of one window running at once; more are refused, not queued. */
export const MAX_CALLS_IN_FLIGHT = 1024;
/** How long a batched call's answer waits for the relay to ask for it, once it is ready: a backstop only
 * (a page stalled that long, or gone without a new commit); the answers of a page are dropped when the
 * next document commits. */
const WAIT_KEEP_MS = 10 * 60_000;
/** A batch's answer carries at most this much answer text in place; larger answers (and any past the
 * budget) are parked under a token like a running call's, so the batch's reply stays small. */
const BATCH_ANSWER_CHARS = 1024 * 1024;
/** Arguments of the calls one window has running at once, in wire characters; more are refused. */
export const MAX_PENDING_CHARS = 64 * 1024 * 1024;

/** A message the core refused, or (kind "process-ended") a window's web process that ended under its page.
 * Never carries argument values: they may be what an attacker wants logged. */
export interface AuditEntry {
  window: string;
  reason: string;
  cmd?: string;
  kind?: "process-ended";
}

export interface WindowCoreOptions {
  label: string;
  config: AppConfig;
  /** The app's own commands. */
  commands: Commands;
  /** Airlock's built-in commands for this window ("plugin:…"), given its events. */
  builtins: (events: WindowEvents) => Commands;
  /** The isolation document being served (null in brownfield). */
  isolation: () => IsolationDocument | null;
  /** Runs JS in the window's relay world (how messages go down). */
  toRelay(js: string, world: string): Promise<unknown>;
  audit: (entry: AuditEntry) => void;
  tap?: (wire: string) => void;
  /** Sends a page's event on to the pages it is for (see WindowEvents). */
  route?: (event: string, payload: unknown, label: string | null) => Promise<void>;
  /** What this window's capabilities allow; absent: no capability checks (an app without any). */
  policy?: WindowPolicy;
}

export class WindowCore {
  readonly label: string;
  readonly events: WindowEvents;
  /** The longest string the relay passes on: a call of maxMessageBytes in base64, plus its envelope. */
  readonly maxWireChars: number;
  readonly #options: WindowCoreOptions;
  readonly #isolated: boolean;
  readonly #documents: IsolationDocuments;
  readonly #outbox: Outbox;
  readonly #builtins: Commands;
  readonly #context: CommandContext;
  #inFlight = 0;
  #pendingChars = 0;
  readonly #rate: RateLimit;
  readonly #executed: ExecutedCalls;

  constructor(options: WindowCoreOptions) {
    const { label, config } = options;
    this.label = label;
    this.#options = options;
    this.#isolated = config.pattern.use === "isolation";
    this.maxWireChars = Math.ceil(config.limits.maxMessageBytes * 4 / 3) + 1024;
    this.#rate = new RateLimit(config.limits.callsPerSecond);
    // A copy of a call may come while the relay still holds it: up to its deadline (ready + hook timeouts).
    this.#executed = new ExecutedCalls(config.limits.readyTimeoutMs + config.limits.hookTimeoutMs + 5_000);
    this.#documents = new IsolationDocuments(label, config, options.isolation);
    this.#outbox = new Outbox({
      isolated: this.#isolated,
      session: () => this.#documents.session,
      toRelay: options.toRelay,
      tap: options.tap,
    });
    this.events = new WindowEvents(label, this.#outbox.deliver, options.route);
    this.#builtins = options.builtins(this.events);
    this.#context = {
      window: label,
      app: { name: config.app.name, version: config.app.version, identifier: config.app.identifier },
      emit: (event, payload) => this.events.emit(event, payload),
      channel: (ref) => this.events.channel(ref),
      scope: null,
      headers: {},
    };
  }

  /** The isolation scheme's handler for this window. */
  serveIsolation(request: SchemeRequest): Promise<SchemeResponse> {
    return this.#documents.serve(request);
  }

  /** A new document was committed to the window: its listeners are new, and nothing meant for the old
   * page may reach it. */
  pageCommitted(): void {
    this.events.reset();
    this.#outbox.clear();
    this.#waiting.clear(); // the old page's relay is gone: nobody asks for these any more
  }

  /** A message from the relay; resolves to the answer's text. Never throws. */
  handle(wire: string): Promise<string> {
    return Promise.resolve(this.handleInPlace(wire));
  }

  /**
   * As handle, but the answer comes in place (a string, no promise) when nothing in the call waits — a
   * command that answers at once: the host then replies to the page before it returns to GTK's loop.
   */
  handleInPlace(wire: string): string | Promise<string> {
    if (wire[0] === WIRE.batch) return this.#batch(wire);
    this.#options.tap?.(wire);
    if (wire[0] === WIRE.wait) return this.#waitFor(wire.slice(1));
    return this.#answer(() => this.#open(wire), wire.length);
  }

  /** Answers of batched calls that were still running when their batch was answered, by token. */
  readonly #waiting = new Map<string, Promise<string>>();

  /** A batch of call messages, each handled as if it came alone. Answered at once: a call still running
   * gets a token instead, and the relay asks for its answer with it ("w" + token), so one slow command
   * holds up no other call's answer. */
  #batch(wire: string): string {
    let calls: unknown;
    try {
      calls = wire.length <= this.maxWireChars + 1 ? JSON.parse(wire.slice(1)) : null;
    } catch {
      calls = null;
    }
    const isCall = (item: unknown) =>
      typeof item === "string" && item.length <= BATCH_CALL_CHARS + 1 &&
      (item[0] === WIRE.sealed || item[0] === WIRE.plain);
    if (
      !Array.isArray(calls) || calls.length < 2 || calls.length > BATCH_MAX_CALLS || !calls.every(isCall)
    ) {
      this.#options.tap?.(wire); // as it came: what was refused
      return this.#refusal(new RejectedMessage("a malformed batch of calls"));
    }
    this.#options.tap?.(`${WIRE.batch}${calls.length}`);
    let chars = 2;
    const answers = (calls as string[]).map((call) => {
      let answer: string | Promise<string>;
      try {
        answer = this.handleInPlace(call);
      } catch (error) {
        answer = this.#refusal(error);
      }
      if (typeof answer === "string" && chars + answer.length + 1 <= BATCH_ANSWER_CHARS) {
        chars += answer.length + 1;
        return answer;
      }
      const token = randomHex(16);
      const waiting = Promise.resolve(answer);
      this.#waiting.set(token, waiting);
      // Kept a while for a relay that asks late; a page that went away never asks (see pageCommitted).
      const forget = () => Deno.unrefTimer(setTimeout(() => this.#waiting.delete(token), WAIT_KEEP_MS));
      waiting.then(forget, forget);
      const parked = JSON.stringify({ wait: token });
      chars += parked.length + 1;
      return parked;
    });
    return `[${answers.join(",")}]`;
  }

  /** The answer a batch promised under this token (once). */
  #waitFor(token: string): string | Promise<string> {
    const answer = this.#waiting.get(token);
    if (!answer) {
      return this.#refusal(
        new RejectedMessage(
          "no batched call waits under that token (the command may have run; its answer is no longer kept)",
        ),
      );
    }
    this.#waiting.delete(token);
    return answer;
  }

  /**
   * A large call's byte envelope, POSTed by the relay to IPC_PATH with its token (which only the relay's
   * world has: a page script that POSTs there gets nothing run). Resolves to the answer's text.
   */
  handlePost(body: Uint8Array<ArrayBuffer> | null, token: string | null): Promise<string> {
    if (!this.acceptsToken(token)) return Promise.resolve(this.#tokenless());
    this.#options.tap?.(`B${body?.byteLength ?? 0}`);
    return Promise.resolve(this.#answer(() => {
      if (!body) throw new RejectedMessage("a POST without a body");
      return this.#overRate() ?? this.#openSealed(body);
    }, body?.byteLength ?? 0));
  }

  /** Whether a POST carries the relay's token (checked before its body is even read). */
  acceptsToken(token: string | null): boolean {
    return sameSecret(token, this.ipcToken);
  }

  #tokenlessAt = -Infinity;
  #tokenlessUnsaid = 0;
  /** A page script's POST to the endpoint: refused, on one audit line a second at most. */
  #tokenless(): string {
    const now = performance.now();
    if (now - this.#tokenlessAt >= 1000) {
      const more = this.#tokenlessUnsaid ? ` (and ${this.#tokenlessUnsaid} more before this)` : "";
      this.#options.audit({ window: this.label, reason: `a POST without the relay's token${more}` });
      this.#tokenlessAt = now;
      this.#tokenlessUnsaid = 0;
    } else this.#tokenlessUnsaid++;
    return JSON.stringify({ ok: false, error: "rejected by the core: a POST without the relay's token" });
  }

  /** What the relay sends with each POST (see handlePost): minted for this window, given to its relay. */
  readonly ipcToken = randomHex(32);

  #answer(open: () => InPlace<Invocation | string>, size: number): InPlace<string> {
    let call: InPlace<Invocation | string>;
    try {
      call = open();
    } catch (error) {
      return this.#refusal(error);
    }
    if (call instanceof Promise) {
      return call.then((opened) => this.#runOpened(opened, size), (error) => this.#refusal(error));
    }
    return this.#runOpened(call, size);
  }

  /** A string is the relay's own answer (a ticket, a refusal before opening); a call is run. */
  #runOpened(call: Invocation | string, size: number): InPlace<string> {
    if (typeof call === "string") return call;
    try {
      return this.#run(call, size);
    } catch (error) {
      return this.#refusal(error, call.cmd);
    }
  }

  /** A refused message as the caller's answer, on the audit line too. A bug of ours must not take the
   * app down either: the caller learns of it, the log has it. */
  #refusal(error: unknown, cmd?: string): string {
    const rejected = error instanceof RejectedMessage
      ? error
      : new RejectedMessage(`internal error: ${(error as Error)?.message ?? error}`);
    this.#options.audit({
      window: this.label,
      reason: rejected.message,
      ...(rejected.cmd ? { cmd: rejected.cmd } : {}),
    });
    return encodeAnswer({ ok: false, error: `rejected by the core: ${rejected.message}` }, cmd);
  }

  /** Runs an opened call once: a copy of it (its nonce is its identity) gets the first run's answer. */
  #run(call: Invocation, size: number): InPlace<string> {
    const earlier = this.#executed.seen(call.nonce);
    if (earlier) return earlier;
    let answer: InPlace<string>;
    try {
      const result = this.#execute(call, size);
      answer = result instanceof Promise
        ? result.then((done) => encodeAnswer(done, call.cmd), (error) => this.#refusal(error, call.cmd))
        : encodeAnswer(result, call.cmd);
    } catch (error) {
      answer = this.#refusal(error, call.cmd);
    }
    this.#executed.record(call.nonce, answer);
    return answer;
  }

  /** One run of a call, within the window's limits and its capabilities. */
  #execute(call: Invocation, size: number): InPlace<Answer> {
    const table = isBuiltin(call.cmd) ? this.#builtins : this.#options.commands;
    // A page may not pile up unbounded work (each call may hold a file or a response in memory).
    if (this.#inFlight >= MAX_CALLS_IN_FLIGHT) {
      return {
        nonce: call.nonce,
        ok: false,
        error: `too many calls in flight (limit ${MAX_CALLS_IN_FLIGHT}; the command did not run)`,
      };
    }
    if (this.#pendingChars + size > MAX_PENDING_CHARS) {
      return {
        nonce: call.nonce,
        ok: false,
        error:
          `too much work in flight (${MAX_PENDING_CHARS} characters of arguments; the command did not run)`,
      };
    }
    // The capabilities decide, whatever the isolation hook let through.
    const decision = this.#options.policy?.check(call.cmd) ?? OPEN;
    if (!decision.allowed) {
      this.#options.audit({ window: this.label, reason: decision.reason, cmd: call.cmd });
      return { nonce: call.nonce, ok: false, error: decision.reason };
    }
    this.#inFlight++;
    this.#pendingChars += size;
    const done = () => {
      this.#inFlight--;
      this.#pendingChars -= size;
    };
    let result: InPlace<Answer>;
    try {
      const context = { ...this.#context, headers: invokeHeaders(call.options), scope: decision.scope };
      result = dispatch(table, call.nonce, call.cmd, call.payload, context);
    } catch (error) {
      done();
      throw error;
    }
    if (result instanceof Promise) return result.finally(done);
    done();
    return result;
  }

  /** What a message from the relay asks for (see WIRE): an answer of its own (ticket, alive, stale), or a
   * call opened and checked. */
  #open(wire: string): InPlace<Invocation | string> {
    const kind = wire[0];
    if (wire.length > this.maxWireChars + 1) {
      throw new RejectedMessage(`message too large (${wire.length} bytes)`);
    }
    if (kind === WIRE.alive && wire.length < 256) {
      this.#alive(wire.slice(1));
      return JSON.stringify({ ok: true });
    }
    if (kind === WIRE.ticket && wire.length === 1) {
      if (!this.#isolated) throw new RejectedMessage("no isolation in the brownfield pattern");
      return this.#documents.ticket();
    }
    if (kind === WIRE.sealed || kind === WIRE.plain) {
      const over = this.#overRate();
      if (over) return over;
    }
    if (kind === WIRE.sealed) return this.#openSealed(wire.slice(1));
    if (kind !== WIRE.plain || this.#isolated) {
      throw new RejectedMessage("message is not sealed by the isolation frame");
    }
    // Brownfield: the page's call comes unsealed; it is still unpacked and checked like a sealed one.
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(wire.slice(1));
    } catch {
      throw new RejectedMessage("malformed message: not base64");
    }
    return validateInvocation(unpackMessage(bytes, this.#options.config.limits));
  }

  /** The refusal of a call over the window's rate (before anything is decrypted), or null. */
  #overRate(): string | null {
    if (this.#rate.take()) return null;
    const refused = this.#rate.report();
    if (refused) {
      this.#options.audit({
        window: this.label,
        reason: `${refused} calls refused over the rate limit (${this.#rate.perSecond} per second)`,
      });
    }
    return JSON.stringify({
      ok: false,
      error: `rejected by the core: more than ${this.#rate.perSecond} calls per second from this window ` +
        "(the command did not run)",
    });
  }

  /** A sealed call (a string envelope, or a large call's bytes), opened by the window's session. */
  #openSealed(envelope: string | Uint8Array<ArrayBuffer>): InPlace<Invocation | string> {
    if (!this.#isolated) throw new RejectedMessage("no isolation in the brownfield pattern");
    const session = this.#documents.session;
    if (!session) throw new RejectedMessage("no isolation session: the isolation frame has not loaded");
    const sid = typeof envelope === "string" ? undefined : binaryEnvelopeParts(envelope)?.sid ?? "";
    if (this.#documents.isStale(typeof envelope === "string" ? envelope : "", sid)) {
      // Sealed for a document that has since been replaced: it did not run; the relay sends it again.
      return JSON.stringify({ ok: false, stale: true, error: "sealed for a replaced isolation document" });
    }
    // Overtaken by newer calls (a large one behind many small ones): never opened, sealed anew.
    const overtaken = (error: unknown) => {
      if (error instanceof OutsideReplayWindow) {
        return JSON.stringify({ ok: false, stale: true, error: `${error.message}; it did not run` });
      }
      throw error;
    };
    try {
      const opened = session.open(envelope, this.#options.config.limits);
      return opened instanceof Promise ? opened.catch(overtaken) : opened;
    } catch (error) {
      return overtaken(error);
    }
  }

  /** "a" + {ticket, after}: the relay vouches that the document served for this ticket is up, and says
   * which message the page had last. */
  #alive(text: string): void {
    let said: { ticket?: unknown; after?: unknown } | null = null;
    try {
      said = JSON.parse(text);
    } catch {
      return;
    }
    const session = this.#documents.session;
    if (!session || said === null || typeof said !== "object" || !this.#documents.isCurrent(said.ticket)) {
      return;
    }
    this.#outbox.alive(session, typeof said.after === "number" ? said.after : 0);
  }
}
