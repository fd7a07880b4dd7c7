// Drives GLib's default main context without blocking Deno's event loop.
//
// gtk_main() would freeze Deno (timers, promises, async commands stop). Instead GTK stays on the main
// thread and only the wait happens elsewhere: prepare/query/check/dispatch run here, the blocking
// poll(2) runs as a nonblocking FFI call on Deno's thread pool. Measured at ~0.2 ms per page → Deno →
// page round trip and ~0.1 % idle CPU.
//
// Handing the wait to the pool costs a hop between threads on every wake-up (40–70 µs a round trip,
// measured). So right after the host answered a page's message in place (the page is likely to call again
// at once), the main thread first waits in poll(2) itself, for a millisecond at most, before it hands the
// wait over — but only while none of the host's work waits on Deno's loop (see holdForDeno) and Deno's
// loop had a turn within the last 2 ms, so its timers and I/O are held up by 2–3 ms at most.
import { native } from "./ffi.ts";

const POLL = {
  pollWait: { name: "poll", parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  pollNow: { name: "poll", parameters: ["buffer", "u64", "i32"], result: "i32" },
} as const;
// Opened with the first window, so importing Airlock needs no FFI permission.
let poller: Deno.DynamicLibrary<typeof POLL>["symbols"] | null = null;

const POLLFD_SIZE = 8; // struct pollfd { int fd; short events; short revents; }

/** The longest the main thread waits for GTK itself before handing the wait to Deno's thread pool. */
const MAIN_THREAD_WAIT_MS = 1;
/** No such wait once Deno's loop has had no turn for this long. */
const DENO_TURN_MS = 2;
/** The last dispatch answered a page's message in place (see answeredInPlace). */
let answeredPage = false;

/** The dispatch under way answered a page's message in place: the page may well call again at once. */
export function answeredInPlace(): void {
  answeredPage = true;
}
/** Work of the host's whose next step comes from Deno's event loop, not from GTK (an async command's
 * answer, a scheme response being made): while there is any, the main thread never waits in poll(2). */
let forDeno = 0;

/**
 * Marks work whose next step Deno's event loop brings (a promise of an async command, a file read for a
 * scheme request); call the returned function once it is done. While any is held the loop waits for GTK
 * on the thread pool only, so the main thread stays free for it.
 *
 * @example
 * const done = holdForDeno();
 * answer.finally(done);
 */
export function holdForDeno(): () => void {
  forDeno++;
  let held = true;
  return () => {
    if (held) forDeno--;
    held = false;
  };
}

let users = 0;
let running: Promise<void> | null = null;
let stopRequested = false;

/** Wakes a poll() that is waiting; needed after any GTK/WebKit call made outside a dispatch. */
export function wakeLoop(): void {
  if (running) native().glib.g_main_context_wakeup(native().glib.g_main_context_default());
}

/** Starts the loop for one more user (a window); the loop runs while anybody holds it. */
export function holdLoop(): void {
  users++;
  if (running) return;
  stopRequested = false;
  running = runLoop();
}

/** Releases one user; the last release stops the loop and waits for it, so tests end with no pending op. */
export async function releaseLoop(): Promise<void> {
  users = Math.max(0, users - 1);
  if (users > 0 || !running) return;
  stopRequested = true;
  const { glib } = native();
  glib.g_main_context_wakeup(glib.g_main_context_default());
  await running;
  running = null;
  // Let GTK finish the tear-down work the last dispatches queued (destroyed widgets, closed processes).
  for (let i = 0; i < 100 && glib.g_main_context_pending(null); i++) glib.g_main_context_iteration(null, 0);
}

async function runLoop(): Promise<void> {
  const { glib } = native();
  const poll = poller ??= Deno.dlopen("libc.so.6", POLL).symbols;
  const context = glib.g_main_context_default();
  glib.g_main_context_acquire(context);
  let capacity = 32;
  let fds = new Uint8Array(POLLFD_SIZE * capacity);
  const priority = new Int32Array(1);
  const timeout = new Int32Array(1);
  let roundsWithoutYield = 0;
  let denoTurnAt = performance.now();
  try {
    while (!stopRequested) {
      glib.g_main_context_prepare(context, priority);
      let count = glib.g_main_context_query(context, priority[0], timeout, fds, capacity);
      if (count > capacity) {
        capacity = count * 2;
        fds = new Uint8Array(POLLFD_SIZE * capacity);
        count = glib.g_main_context_query(context, priority[0], timeout, fds, capacity);
      }
      // Ask without waiting first: when something is already ready this saves a hop to the thread pool.
      // But never spin more than a few rounds without one, or Deno's timers and I/O would starve.
      let readyNow = timeout[0] === 0 || poll.pollNow(fds, BigInt(count), 0) > 0;
      let waited = 0;
      if (!readyNow && answeredPage && roundsWithoutYield < 16) {
        await undefined; // what the dispatch queued for Deno (promises, a scheme request's handler) runs first
        if (forDeno === 0 && !stopRequested && performance.now() - denoTurnAt < DENO_TURN_MS) {
          waited = timeout[0] < 0 ? MAIN_THREAD_WAIT_MS : Math.min(MAIN_THREAD_WAIT_MS, timeout[0]);
          readyNow = poll.pollNow(fds, BigInt(count), waited) > 0;
        }
      }
      answeredPage = false;
      if (!readyNow || ++roundsWithoutYield >= 16) {
        roundsWithoutYield = 0;
        // What is left of GLib's timeout: the main thread's wait has used some of it.
        const rest = timeout[0] < 0 ? -1 : Math.max(0, timeout[0] - waited);
        await poll.pollWait(fds, BigInt(count), readyNow ? 0 : rest);
        denoTurnAt = performance.now();
      }
      if (glib.g_main_context_check(context, priority[0], fds, count)) glib.g_main_context_dispatch(context);
    }
  } finally {
    glib.g_main_context_release(context);
  }
}
