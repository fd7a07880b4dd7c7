// The demo's own commands, run by the Deno core after a call has passed the hook and been unsealed. The
// file, HTTP, event and window APIs the demo also uses are Airlock's built-ins (see the README).
import { command, type Commands, t } from "../mod.ts";

// A tiny HTTP service on loopback for the HTTP buttons (the demo needs no internet): it answers with the
// Origin header it received, so the page can show that the core sent the app's own.
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) =>
  Response.json({
    message: "hello from a loopback service",
    originSeen: request.headers.get("origin"),
  }));

/** Stops the loopback service (tests do; the app itself just exits). */
export const stopService = () => server.shutdown();

export const commands: Commands = {
  greet: command({ name: t.string({ min: 1, max: 60 }) }, ({ name }, context) => {
    return `Hello, ${name}! (answered by the Deno core for window "${context.window}")`;
  }),

  service_url: () => `http://127.0.0.1:${server.addr.port}/status`,

  // Streams events to the page that asked, while the window stays live.
  start_ticker: command({ count: t.integer({ min: 1, max: 10 }) }, async ({ count }, context) => {
    for (let n = 1; n <= count; n++) {
      await new Promise((done) => setTimeout(done, 150));
      await context.emit("tick", { n, of: count, at: new Date().toISOString().slice(11, 23) });
    }
    return `sent ${count} events`;
  }),
};
