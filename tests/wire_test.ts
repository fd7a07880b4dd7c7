// protocol/wire.ts's jsonText: the relay hands a plain-JSON call to the isolation frame as JSON text, so it
// must be exactly the JSON packMessage writes (what the core will see), and null for anything else.
import assert from "node:assert/strict";
import { jsonText, packMessage, unpackMessage } from "../protocol/wire.ts";

/** The JSON body packMessage wrote (after the two 4-byte lengths). */
const packedJson = (message: Record<string, unknown>) => {
  const bytes = packMessage(message);
  const length = new DataView(bytes.buffer).getUint32(0);
  return new TextDecoder().decode(bytes.subarray(8, 8 + length));
};

Deno.test("wire: jsonText of a plain call is the JSON packMessage writes for it", () => {
  const call = {
    cmd: "save",
    callback: 3,
    error: 3,
    payload: {
      items: [{ id: 1, name: "ünï", tags: ["a"], done: true, none: null }],
      skip: undefined,
      n: NaN,
    },
    options: null,
  };
  const text = jsonText(call);
  assert.equal(text, packedJson(call));
  assert.deepEqual(JSON.parse(text!), unpackMessage(packMessage(call), 64));
});

Deno.test("wire: jsonText is null for bytes, toJSON, a $bytes key, a BigInt and great depth", () => {
  assert.equal(jsonText({ payload: { data: new Uint8Array([1, 2]) } }), null);
  assert.equal(jsonText({ payload: { buffer: new ArrayBuffer(2) } }), null);
  assert.equal(jsonText({ payload: { when: new Date(0) } }), null);
  assert.equal(jsonText({ payload: { toJSON: () => "x" } }), null);
  assert.equal(jsonText({ payload: { $bytes: 0 } }), null);
  assert.equal(jsonText({ payload: { big: 1n } }), null);
  let deep: unknown = {};
  for (let i = 0; i < 300; i++) deep = { deep };
  assert.equal(jsonText({ payload: deep }), null);
});
