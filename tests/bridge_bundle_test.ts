// frontend/scripts.gen.ts is committed: the host imports the bridge's bundles from it as text. This fails
// when it is not what build/bridge_bundle.ts makes from the bridge's current modules.
import assert from "node:assert/strict";
import { bundleBridge, GENERATED } from "../build/bridge_bundle.ts";

/** The names of the generated constants whose lines differ ("header" for the comment on top). */
function staleParts(fresh: string, committed: string): string[] {
  const old = committed.split("\n");
  return fresh.split("\n")
    .filter((line, i) => line !== old[i])
    .map((line) => /^export const (\w+)/.exec(line)?.[1] ?? "header");
}

Deno.test("frontend/scripts.gen.ts is up to date with the bridge's modules", async () => {
  const [fresh, committed] = await Promise.all([bundleBridge(), Deno.readTextFile(GENERATED)]);
  // Not assert.equal: its diff of the multi-kilobyte bundle strings would bury the message.
  assert.ok(
    fresh === committed,
    `frontend/scripts.gen.ts is out of date (${
      [...new Set(staleParts(fresh, committed))].join(", ") || "length"
    } differ): run \`deno task bundle-bridge\``,
  );
});

Deno.test("only the page world's script takes the realm's prototypes (8–10 ms of WebKit's time per document)", async () => {
  const { PAGE_SCRIPT, RELAY_SCRIPT, RUNTIME_SCRIPT } = await import("../frontend/scripts.gen.ts");
  // Reading every global constructor makes WebKit create each DOM interface: the page world needs them
  // (frontend/page.ts serialiser); the relay's and the isolation runtime's document starts must not pay.
  const takesPrototypes = (script: string) => script.includes("getOwnPropertyNames(globalThis)");
  assert.equal(takesPrototypes(PAGE_SCRIPT), true);
  assert.equal(takesPrototypes(RELAY_SCRIPT), false, "the relay's bundle takes every global's prototype");
  assert.equal(takesPrototypes(RUNTIME_SCRIPT), false, "the runtime's bundle takes every global's prototype");
});
