// One window's message handling without a webview: the relay's strings in, the answers out — a ticket,
// the keyed document it buys, a call sealed with that document's key, replays and strays refused.
import assert from "node:assert/strict";
import { parseConfig } from "../core/config.ts";
import { WindowCore } from "../core/window.ts";
import type { AuditEntry } from "../core/window.ts";
import type { IsolationDocument } from "../isolation/document.ts";
import { base64ToBytes, sealEnvelope } from "../protocol/seal.ts";
import { packMessage } from "../protocol/wire.ts";
import type { SchemeRequest } from "../protocol/scheme.ts";

const BUILT: IsolationDocument = {
  html: "<!doctype html><script>window.__TAURI_ISOLATION_HOOK__ = (m) => m;</script>",
  runtimeAt: 15,
  scriptHashes: [],
  styleHashes: [],
  files: [],
  warnings: [],
  report: [],
};

function core(pattern: "isolation" | "brownfield" = "isolation") {
  const raw = {
    build: { frontendDist: "dist" },
    ...(pattern === "isolation"
      ? { app: { security: { pattern: { use: "isolation", options: { dir: "iso" } } } } }
      : {}),
  };
  const audit: AuditEntry[] = [];
  const down: string[] = [];
  const ran: unknown[] = [];
  const tapped: string[] = [];
  const window = new WindowCore({
    label: "main",
    config: parseConfig(raw, null, "/app"),
    commands: {
      echo: (args: unknown) => (ran.push(args), args),
      slow: async (args: { ms: number }) => {
        await new Promise((done) => setTimeout(done, args.ms));
        ran.push(args);
        return args;
      },
    },
    builtins: (events) => events.commands(),
    isolation: () => pattern === "isolation" ? BUILT : null,
    toRelay: (js) => (down.push(js), Promise.resolve()),
    audit: (entry) => audit.push(entry),
    tap: (wire) => void tapped.push(wire),
  });
  return { window, audit, down, ran, tapped };
}

const request = (uri: string, origin: string | null = null): SchemeRequest => ({
  scheme: "isolation",
  path: new URL(uri).pathname,
  uri,
  method: "GET",
  header: (name) => name === "Origin" ? origin : null,
  body: () => null,
});

/** Buys a ticket and has the keyed document served, as the relay and its frame would. */
async function keyedDocument(window: WindowCore) {
  const ticket = JSON.parse(await window.handle("t"));
  const url = `isolation://${ticket.host}/?ticket=${ticket.ticket}`;
  const served = await window.serveIsolation(request(url));
  assert.equal(served.status, 200);
  const html = new TextDecoder().decode(served.body);
  const config = JSON.parse(/const AIRLOCK_CONFIG = (\{.*?\});/.exec(html)![1]);
  const key = await crypto.subtle.importKey("raw", base64ToBytes(config.key), "AES-GCM", false, ["encrypt"]);
  return { ticket, url, config, key };
}

Deno.test("window core: a ticket buys one keyed document; a call sealed with its key runs once", async () => {
  const { window, ran, audit } = core();
  const { ticket, url, config, key } = await keyedDocument(window);
  assert.equal(config.window, "main");
  assert.equal(config.secret, ticket.secret);
  // Spent: the same URL serves nothing again, nor does a fetch (an Origin header) or another host.
  assert.equal((await window.serveIsolation(request(url))).status, 403);
  const seal = (seq: number, nonce: string, payload: unknown) =>
    sealEnvelope(
      key,
      "main",
      config.sid,
      seq,
      packMessage({ kind: "invoke", nonce, cmd: "echo", payload, options: null }),
    );
  const envelope = await seal(1, "a".repeat(32), { hello: 1 });
  assert.deepEqual(JSON.parse(await window.handle(`s${envelope}`)), {
    nonce: "a".repeat(32),
    ok: true,
    value: { hello: 1 },
  });
  assert.deepEqual(ran, [{ hello: 1 }]);
  // Replayed: refused and audited, not run.
  const replay = JSON.parse(await window.handle(`s${envelope}`));
  assert.equal(replay.ok, false);
  assert.match(replay.error, /replayed/);
  assert.equal(ran.length, 1);
  assert.equal(audit.length, 1);
  // Unsealed calls are refused in the isolation pattern.
  assert.match(JSON.parse(await window.handle("p" + "e30=")).error, /not sealed by the isolation frame/);
});

Deno.test("window core: a fetch, a wrong host or a guessed ticket gets no document", async () => {
  const { window } = core();
  const ticket = JSON.parse(await window.handle("t"));
  const right = `isolation://${ticket.host}/?ticket=${ticket.ticket}`;
  assert.equal((await window.serveIsolation(request(right, "app://localhost"))).status, 403);
  assert.equal(
    (await window.serveIsolation(request(`isolation://dother/?ticket=${ticket.ticket}`))).status,
    403,
  );
  assert.equal(
    (await window.serveIsolation(request(`isolation://${ticket.host}/?ticket=${"0".repeat(32)}`))).status,
    403,
  );
  assert.equal((await window.serveIsolation(request(right))).status, 200);
  // The blank first document is served to anyone: it holds nothing.
  assert.equal((await window.serveIsolation(request("isolation://localhost/blank"))).status, 200);
});

Deno.test("window core: an envelope sealed for a replaced document is answered stale (it did not run)", async () => {
  const { window, ran } = core();
  const first = await keyedDocument(window);
  const envelope = await sealEnvelope(
    first.key,
    "main",
    first.config.sid,
    1,
    packMessage({ kind: "invoke", nonce: "b".repeat(32), cmd: "echo", payload: {}, options: null }),
  );
  await keyedDocument(window); // the frame re-keyed
  assert.deepEqual(JSON.parse(await window.handle(`s${envelope}`)), {
    ok: false,
    stale: true,
    error: "sealed for a replaced isolation document",
  });
  assert.deepEqual(ran, []);
});

Deno.test("window core: events go down only once the document has said hello, and only those it lacks", async () => {
  const { window, down } = core();
  const { ticket } = await keyedDocument(window);
  await window.handle(`a${JSON.stringify({ ticket: "not-it", after: 0 })}`);
  await window.events.commands()["plugin:event|listen"]({ event: "news", handler: 7 }, {} as never);
  await window.events.emit("news", 1);
  assert.deepEqual(down, []); // not alive yet
  await window.handle(`a${JSON.stringify({ ticket: ticket.ticket, after: 0 })}`);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(down.length, 1);
  assert.match(down[0], /^deliverEvent\(\{ envelope: /);
});

Deno.test("window core: brownfield takes unsealed calls and refuses tickets", async () => {
  const { window, ran } = core("brownfield");
  const call = packMessage({
    kind: "invoke",
    nonce: "c".repeat(32),
    cmd: "echo",
    payload: { x: 1 },
    options: null,
  });
  const text = btoa(String.fromCharCode(...call));
  assert.deepEqual(JSON.parse(await window.handle(`p${text}`)).value, { x: 1 });
  assert.deepEqual(ran, [{ x: 1 }]);
  assert.match(JSON.parse(await window.handle("t")).error, /no isolation in the brownfield pattern/);
});

/** A brownfield call message ("p" + the packed call, base64). */
const plainCall = (nonce: string, cmd: string, payload: unknown) =>
  "p" + btoa(String.fromCharCode(...packMessage({ kind: "invoke", nonce, cmd, payload, options: null })));

Deno.test("window core: a batch is answered at once, each call as if alone; a running call's answer comes by its token", async () => {
  const { window, ran } = core("brownfield");
  const batch = "b" + JSON.stringify([
    plainCall("1".repeat(32), "echo", { a: 1 }),
    plainCall("2".repeat(32), "slow", { ms: 50 }),
    plainCall("3".repeat(32), "nope", {}),
  ]);
  const started = performance.now();
  const answers = JSON.parse(await window.handle(batch));
  assert.ok(performance.now() - started < 40, "the slow command held up the batch's answer");
  assert.equal(answers.length, 3);
  assert.deepEqual(answers[0].value, { a: 1 });
  assert.match(answers[2].error, /nope/);
  assert.equal(typeof answers[1].wait, "string");
  assert.deepEqual(ran, [{ a: 1 }]);
  assert.deepEqual(JSON.parse(await window.handle(`w${answers[1].wait}`)).value, { ms: 50 });
  // Asked for once: the token is spent.
  assert.match(JSON.parse(await window.handle(`w${answers[1].wait}`)).error, /no batched call waits/);
  assert.match(JSON.parse(await window.handle(`w${"0".repeat(32)}`)).error, /no batched call waits/);
});

Deno.test("window core: a malformed batch is refused whole and runs nothing", async () => {
  const { window, ran, audit } = core("brownfield");
  const one = plainCall("4".repeat(32), "echo", { b: 1 });
  for (
    const bad of [
      "b" + JSON.stringify([one]), // a batch of one
      "b" + JSON.stringify([one, "t"]), // not a call message
      "b" + JSON.stringify([one, "b" + JSON.stringify([one, one])]), // nested
      "b" + JSON.stringify(Array.from({ length: 65 }, () => one)), // too many
      "b" + JSON.stringify([one, "p" + "A".repeat(20_000)]), // a call too long to batch
      "b{not json",
    ]
  ) {
    assert.match(JSON.parse(await window.handle(bad)).error, /a malformed batch of calls/, bad.slice(0, 40));
  }
  assert.deepEqual(ran, []);
  assert.ok(audit.length >= 6);
});

Deno.test("window core: the tap sees every message: a batch's header and calls, a malformed batch as it came, an ask for a parked answer", async () => {
  const { window, tapped } = core("brownfield");
  const one = plainCall("5".repeat(32), "echo", { c: 1 });
  const two = plainCall("6".repeat(32), "slow", { ms: 5 });
  const answers = JSON.parse(await window.handle("b" + JSON.stringify([one, two])));
  await window.handle(`w${answers[1].wait}`);
  await window.handle("b{not json");
  assert.deepEqual(tapped, ["b2", one, two, `w${answers[1].wait}`, "b{not json"]);
});
