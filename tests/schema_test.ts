// Argument schemas: the value passes through, or the error names the field and what was wrong.
import assert from "node:assert/strict";
import { t, ValidationError } from "../core/schema.ts";

const fails = (run: () => unknown, message: string) =>
  assert.throws(run, (error: Error) => {
    assert.ok(error instanceof ValidationError);
    assert.equal(error.message, message);
    return true;
  });

Deno.test("schema: nested objects, arrays, optional fields and their error paths", () => {
  const schema = t.object({
    user: t.object({ name: t.string({ min: 1 }), tags: t.array(t.string(), { max: 2 }) }),
    mode: t.oneOf("read", "write"),
    limit: t.optional(t.integer({ min: 1, max: 10 })),
    data: t.optional(t.bytes({ max: 3 })),
    flag: t.optional(t.boolean()),
    anything: t.optional(t.unknown()),
  });
  const ok = { user: { name: "ada", tags: ["x"] }, mode: "read" as const, anything: { deep: [1] } };
  assert.deepEqual(schema.parse(ok, "args"), ok);
  fails(
    () => schema.parse({ ...ok, user: { name: "", tags: [] } }, "args"),
    "args.user.name: must be at least 1 characters",
  );
  fails(
    () => schema.parse({ ...ok, user: { name: "a", tags: [1] } }, "args"),
    "args.user.tags[0]: expected a string, got number",
  );
  fails(
    () => schema.parse({ ...ok, user: { name: "a", tags: ["a", "b", "c"] } }, "args"),
    "args.user.tags: must have at most 2 items",
  );
  fails(
    () => schema.parse({ ...ok, mode: "delete" }, "args"),
    'args.mode: expected one of "read", "write", got "delete"',
  );
  fails(() => schema.parse({ ...ok, limit: 0 }, "args"), "args.limit: must be ≥ 1");
  fails(() => schema.parse({ ...ok, limit: NaN }, "args"), "args.limit: expected an integer, got number");
  fails(() => schema.parse({ ...ok, data: new Uint8Array(4) }, "args"), "args.data: must be at most 3 bytes");
  fails(() => schema.parse({ ...ok, flag: "yes" }, "args"), "args.flag: expected a boolean, got string");
  fails(() => schema.parse({ ...ok, extra: 1 }, "args"), "args.extra: is not an expected field");
  fails(() => schema.parse({ mode: "read" }, "args"), "args.user: is required (an object)");
  fails(() => schema.parse(null, "args"), "args: expected an object, got null");
  // A prototype key is just an unexpected field, never a lookup on Object.prototype.
  fails(
    () => schema.parse(JSON.parse('{"__proto__": {"x": 1}, "mode": "read"}'), "args"),
    "args.user: is required (an object)",
  );
});

Deno.test("schema: string patterns and number bounds; extra fields when asked", () => {
  const id = t.string({ pattern: /^[a-z]+$/, max: 5 });
  assert.equal(id.parse("abc", "id"), "abc");
  fails(() => id.parse("ABC", "id"), "id: must match /^[a-z]+$/");
  fails(() => id.parse("abcdef", "id"), "id: must be at most 5 characters");
  fails(() => t.number({ max: 1 }).parse(2, "n"), "n: must be ≤ 1");
  fails(() => t.number().parse(Infinity, "n"), "n: expected a number, got number");
  assert.deepEqual(t.object({ a: t.string() }, { extra: true }).parse({ a: "x", b: 1 }, "o"), { a: "x" });
});
