// A window's record of the calls it ran: a copy of one gets the first run's answer, for as long as a copy
// may come, however many other calls come meanwhile; answers are kept while running and for recent calls.
import assert from "node:assert/strict";
import { ExecutedCalls } from "../core/executed.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("executed calls: a copy of a running call waits for its answer, whatever floods in meanwhile", async () => {
  let now = 0;
  const calls = new ExecutedCalls(20_000, () => now);
  let release!: (text: string) => void;
  calls.record("slow", new Promise<string>((resolve) => release = resolve));
  calls.record("quick", Promise.resolve('{"ok":true,"value":"quick"}'));
  for (let i = 0; i < 100_000; i++) calls.record(`flood${i}`, Promise.resolve("{}"));
  await tick();
  const copy = calls.seen("slow")!;
  release('{"ok":true,"value":1}');
  assert.equal(await copy, '{"ok":true,"value":1}');
  // A finished one's answer went with the flood, but not the fact that it ran: no second run.
  assert.match(JSON.parse(await calls.seen("quick")!).error, /^the command ran, but its answer was lost/);
  now += 20_001;
  calls.record("later", Promise.resolve("{}"));
  assert.equal(calls.seen("quick"), null, "past the time a copy may come, it is forgotten");
  assert.equal(calls.size, 1);
  assert.equal(calls.seen("never"), null);
});

Deno.test("executed calls: a recent answer is kept for its copy; one too large is not", async () => {
  const calls = new ExecutedCalls(20_000);
  calls.record("small", Promise.resolve('{"ok":true,"value":2}'));
  calls.record("big", Promise.resolve(JSON.stringify({ ok: true, value: "x".repeat(300_000) })));
  await tick();
  assert.equal(await calls.seen("small"), '{"ok":true,"value":2}');
  assert.match(JSON.parse(await calls.seen("big")!).error, /^the command ran, but its answer was lost/);
});
