// The per-window call rate: a second's worth at once, then the rate; refusals reported once a second.
import assert from "node:assert/strict";
import { RateLimit } from "../core/rate.ts";

Deno.test("rate limit: a burst of one second's calls, then the rate, and one report per second", () => {
  let now = 0;
  const limit = new RateLimit(100, () => now);
  let taken = 0;
  for (let i = 0; i < 150; i++) if (limit.take()) taken++;
  assert.equal(taken, 100);
  assert.equal(limit.report(), 50);
  assert.equal(limit.take(), false);
  assert.equal(limit.report(), 0, "at most one report a second");
  now += 100; // a tenth of a second: ten more
  taken = 0;
  for (let i = 0; i < 20; i++) if (limit.take()) taken++;
  assert.equal(taken, 10);
  now += 1000;
  assert.equal(limit.report(), 11);
  now += 60_000; // idle for a minute: still one second's worth, not sixty
  taken = 0;
  for (let i = 0; i < 500; i++) if (limit.take()) taken++;
  assert.equal(taken, 100);
});
