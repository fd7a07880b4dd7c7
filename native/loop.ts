// Drives GLib's default main context without blocking Deno's event loop.
//
// gtk_main() would freeze Deno (timers, promises, async commands stop). Instead GTK stays on the main
// thread and only the wait happens elsewhere: prepare/query/check/dispatch run here, the blocking
// poll(2) runs as a nonblocking FFI call on Deno's thread pool. Measured at ~0.2 ms per page → Deno →
// page round trip and ~0.1 % idle CPU.
import { native } from "./ffi.ts";

const POLL = {
  pollWait: { name: "poll", parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  pollNow: { name: "poll", parameters: ["buffer", "u64", "i32"], result: "i32" },
} as const;
// Opened with the first window, so importing Airlock needs no FFI permission.
let poller: Deno.DynamicLibrary<typeof POLL>["symbols"] | null = null;

const POLLFD_SIZE = 8; // struct pollfd { int fd; short events; short revents; }

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
      const readyNow = timeout[0] === 0 || poll.pollNow(fds, BigInt(count), 0) > 0;
      if (!readyNow || ++roundsWithoutYield >= 16) {
        roundsWithoutYield = 0;
        await poll.pollWait(fds, BigInt(count), readyNow ? 0 : timeout[0]);
      }
      if (glib.g_main_context_check(context, priority[0], fds, count)) glib.g_main_context_dispatch(context);
    }
  } finally {
    glib.g_main_context_release(context);
  }
}
