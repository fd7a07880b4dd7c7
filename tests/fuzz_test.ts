// The fuzzer (tests/fuzz.ts) in CI: a bounded run with a fixed seed, so a failure here reruns the same way
// (`deno run tests/fuzz.ts --seed <seed> --case <index>` for a single case). FUZZ_SEED overrides the seed
// when the test may read the environment.
import assert from "node:assert/strict";
import { formatReport, type FuzzReport, runFuzz } from "./fuzz.ts";

const ENVELOPES = 100_000;
const PLAINTEXTS = 20_000;

function seed(): number {
  const allowed = Deno.permissions.querySync({ name: "env", variable: "FUZZ_SEED" }).state === "granted";
  const value = allowed ? Deno.env.get("FUZZ_SEED") : undefined;
  return value === undefined ? 0x5eed1e55 : Number(value) >>> 0;
}

function failures(report: FuzzReport): string {
  return report.failures.slice(0, 5).map((f) =>
    `${f.phase} ${f.kind} ${f.class} #${f.index}: ${f.detail}\n  ${f.input}`
  )
    .join("\n");
}

Deno.test("fuzz: 100,000 random and mutated envelopes: none opens, nothing crashes; the decoder never crashes", async () => {
  const report = await runFuzz({ seed: seed(), count: ENVELOPES, plainCount: PLAINTEXTS });
  console.log(formatReport(report));

  // The controls: genuine envelopes open to exactly what was sealed and are refused when sent again, so the
  // zeros below cannot come from a core that refuses everything.
  assert.ok(report.controls.checked >= 100, `only ${report.controls.checked} controls ran`);
  assert.equal(report.controls.passed, report.controls.checked, failures(report));

  const e = report.envelope.total;
  assert.equal(e.cases, ENVELOPES);
  assert.equal(e.accepted, 0, `envelopes accepted:\n${failures(report)}`);
  assert.equal(e.controlFailures, 0, `controls inside cases failed:\n${failures(report)}`);
  assert.equal(e.crashes, 0, `crashes on the open path:\n${failures(report)}`);
  assert.equal(e.rejected + e.equivalent, ENVELOPES);
  // Coverage, not luck: every class ran, and a good share got past every check up to AES-GCM itself.
  for (const [name, counts] of Object.entries(report.envelope.byClass)) {
    assert.ok(counts.cases > 0, `class ${name} never ran`);
  }
  assert.ok(e.auth > ENVELOPES / 10, `only ${e.auth} cases reached authentication`);

  const p = report.plaintext.total;
  assert.equal(p.cases, PLAINTEXTS);
  assert.equal(p.crashes, 0, `crashes in the decoder:\n${failures(report)}`);
  assert.equal(p.slow, 0, `pathologically slow decodes:\n${failures(report)}`);
  assert.ok(p.accepted > 0 && p.rejected > 0, "the decoder fuzz should see both outcomes");
  assert.ok(report.ok);
});

Deno.test("fuzz: a seed gives the same run again, and one case reruns alone", async () => {
  const a = await runFuzz({ seed: 7, count: 1500, plainCount: 1500 });
  const b = await runFuzz({ seed: 7, count: 1500, plainCount: 1500 });
  assert.deepEqual(a.envelope.byClass, b.envelope.byClass);
  assert.deepEqual(a.envelope.reasons, b.envelope.reasons);
  const counts = (r: FuzzReport) =>
    Object.values(r.plaintext.byClass).map((c) => [c.cases, c.accepted, c.rejected]);
  assert.deepEqual(counts(a), counts(b));
  const lines: string[] = [];
  const one = await runFuzz({
    seed: 7,
    only: { phase: "envelope", index: 42 },
    log: (line) => lines.push(line),
  });
  assert.equal(one.envelope.total.cases, 1);
  assert.equal(one.plaintext.total.cases, 0);
  assert.match(lines.join("\n"), /^envelope case 42 \(/);
});

Deno.test("fuzz: the command line prints the report only; progress lines with --verbose", async () => {
  const run = async (...extra: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        new URL("./fuzz.ts", import.meta.url).pathname,
        "--count",
        "4200",
        "--seed",
        "7",
        ...extra,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    return text.split("\n").filter((line) => /^\s*envelope \d+\//.test(line)).length;
  };
  assert.equal(await run(), 0);
  assert.ok(await run("--verbose") > 0);
});
