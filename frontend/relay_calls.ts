// The relay's book of calls in flight (isolation pattern): where each one is, so that a re-key — the
// isolation frame reloaded, re-navigated or removed while calls are on their way — loses none and never
// lies. A call is in one place at a time:
//   queued   waiting for a ready isolation runtime (rejected after readyTimeoutMs: it did not run);
//   runtime  sent to the current runtime as one numbered copy; if that runtime goes, the copy is
//            abandoned (a sealed envelope that still comes back for it is dropped, never forwarded) and
//            the call is queued again;
//   core     its envelope is at the core, which either ran it (the real answer settles the call) or
//            refused it unopened — then it did not run: sealed for a session that has since been
//            replaced ("stale") sends it again, anything else rejects it saying it did not run.
// So a rejection the page sees always means the command did not run, and a command runs at most once.
import {
  dateNow,
  isArray,
  jsonParse,
  objectKeys,
  own,
  promiseThen,
  record,
  SafeString,
} from "../protocol/primordials.ts";
import { cancel, later } from "./dom.ts";

/** A call whose envelope the core refused as stale is sent again at most this many times. */
const MAX_SENDS = 5;

interface Call {
  id: string;
  nonce: string;
  message: unknown;
  place: "queued" | "runtime" | "core";
  copy: string;
  sends: number;
  timer: number | undefined;
  /** When it must have reached the core (else it is rejected: it did not run). */
  deadline: number;
  /** A copy reached the core but its answer was lost: from then on, no rejection may say it did not run. */
  uncertain: boolean;
}

export interface CallsDeps {
  /** An answer for the page's bridge. */
  settle(id: string, nonce: string, ok: boolean, value: unknown): void;
  /** Posts a copy to the ready runtime; false when there is none. */
  toRuntime(copy: string, nonce: string, message: unknown): boolean;
  /** Forwards an envelope (a string, or a large call's bytes) to the core; resolves to the core's answer,
   * parsed (bytes restored). */
  toCore(envelope: string | Uint8Array): Promise<Record<string, unknown>>;
  readyTimeoutMs: number;
  hookTimeoutMs: number;
}

export interface Calls {
  add(id: string, nonce: string, message: unknown): void;
  /** A runtime said it is ready: queued calls go to it. */
  ready(): void;
  /** The runtime is gone: copies it held are abandoned, their calls queued again. */
  gone(): void;
  sealed(copy: string, envelope: string | Uint8Array): void;
  refused(copy: string, error: string): void;
  /** Rejects every call not at the core (they did not run) with this reason. */
  failWaiting(reason: string): void;
  /** The bridge is closing: every call not at the core is rejected (it did not run); those at the core
   * are answered as usual. */
  failAll(reason: string): void;
}

export function createCalls(deps: CallsDeps): Calls {
  const calls = record<Call>();
  const byCopy = record<string>();
  let nextCopy = 1;
  let runtimeReady = false;
  let failure: string | null = null;

  const finish = (call: Call, ok: boolean, value: unknown) => {
    if (calls[call.id] !== call) return;
    delete calls[call.id];
    delete byCopy[call.copy];
    cancel(call.timer);
    const settle = deps.settle;
    settle(call.id, call.nonce, ok, value);
  };
  const didNotRun = (call: Call, reason: string) =>
    finish(
      call,
      false,
      call.uncertain
        ? `${reason}; an earlier copy's answer was lost (the command may have run)`
        : `${reason} (the command did not run)`,
    );

  const wait = (call: Call) => {
    delete byCopy[call.copy];
    call.place = "queued";
    call.copy = "";
    cancel(call.timer);
    if (failure !== null) return didNotRun(call, failure);
    // readyTimeoutMs for each wait, and one deadline for the whole way to the core, however often the
    // frame is re-keyed meanwhile. Past it, no copy is sent again (the core remembers what ran for that
    // long, and no longer).
    const left = call.deadline - dateNow();
    if (left <= 0) {
      return didNotRun(
        call,
        `the call did not reach the core within ${deps.readyTimeoutMs + deps.hookTimeoutMs} ms`,
      );
    }
    const reason = left < deps.readyTimeoutMs
      ? `the call did not reach the core within ${deps.readyTimeoutMs + deps.hookTimeoutMs} ms`
      : `the isolation frame was not ready within ${deps.readyTimeoutMs} ms`;
    call.timer = later(
      () => didNotRun(call, reason),
      left < deps.readyTimeoutMs ? left : deps.readyTimeoutMs,
    );
    if (runtimeReady) send(call);
  };

  const send = (call: Call) => {
    if (call.sends >= MAX_SENDS) {
      return didNotRun(call, `the isolation frame was replaced ${MAX_SENDS} times while the call waited`);
    }
    const copy = `c${nextCopy++}`;
    const toRuntime = deps.toRuntime;
    if (!toRuntime(copy, call.nonce, call.message)) return;
    call.place = "runtime";
    call.copy = copy;
    call.sends++;
    byCopy[copy] = call.id;
    // The runtime answers within the hook's timeout; the deadline covers one that died unnoticed.
    cancel(call.timer);
    call.timer = later(() => {
      if (call.place === "runtime" && call.copy === copy) {
        didNotRun(
          call,
          `the call did not reach the core within ${deps.readyTimeoutMs + deps.hookTimeoutMs} ms`,
        );
      }
    }, call.deadline - dateNow());
  };

  const atCore = (call: Call, envelope: string | Uint8Array) => {
    call.place = "core";
    cancel(call.timer);
    const toCore = deps.toCore;
    promiseThen(toCore(envelope), (answer) => {
      if (own(answer, "lost") === true) call.uncertain = true;
      if (own(answer, "stale") === true) {
        // Sealed under a key the core has since replaced: it did not run; the next runtime seals it anew.
        if (call.sends >= MAX_SENDS) return didNotRun(call, SafeString(own(answer, "error")));
        return wait(call);
      }
      finish(
        call,
        own(answer, "ok") === true,
        own(answer, "ok") === true ? own(answer, "value") : own(answer, "error"),
      );
    });
  };

  const each = (fn: (call: Call) => void) => {
    const ids = objectKeys(calls);
    for (let i = 0; i < ids.length; i++) {
      const call = calls[ids[i]];
      if (call) fn(call);
    }
  };

  return {
    add(id, nonce, message) {
      if (calls[id]) return;
      const deadline = dateNow() + deps.readyTimeoutMs + deps.hookTimeoutMs;
      const call: Call = {
        id,
        nonce,
        message,
        place: "queued",
        copy: "",
        sends: 0,
        timer: undefined,
        deadline,
        uncertain: false,
      };
      calls[id] = call;
      wait(call);
    },
    ready() {
      runtimeReady = true;
      failure = null;
      each((call) => call.place === "queued" && send(call));
    },
    gone() {
      runtimeReady = false;
      each((call) => call.place === "runtime" && wait(call));
    },
    sealed(copy, envelope) {
      const id = byCopy[copy];
      const call = id === undefined ? undefined : calls[id];
      if (call && call.place === "runtime" && call.copy === copy) atCore(call, envelope);
    },
    refused(copy, error) {
      const id = byCopy[copy];
      const call = id === undefined ? undefined : calls[id];
      if (call && call.place === "runtime" && call.copy === copy) finish(call, false, error);
    },
    failWaiting(reason) {
      failure = reason;
      each((call) => call.place !== "core" && didNotRun(call, reason));
    },
    failAll(reason) {
      // Calls at the core keep their real answer (the core still sends it): only the others are rejected.
      failure = reason;
      runtimeReady = false;
      each((call) => call.place !== "core" && didNotRun(call, reason));
    },
  };
}

/** The core's answer text as an object; an unreadable one is an error answer. */
export function parseAnswer(text: string): Record<string, unknown> {
  try {
    return objectOrUnreadable(jsonParse(text));
  } catch {
    return objectOrUnreadable(null);
  }
}

/** An answer already parsed (one of a batch's): an object, or the error answer. */
export function objectOrUnreadable(answer: unknown): Record<string, unknown> {
  if (answer !== null && typeof answer === "object" && !isArray(answer)) {
    return answer as Record<string, unknown>;
  }
  return { ok: false, error: "the core's answer cannot be read" };
}
