// How a call is laid out as bytes before sealing, so binary arguments cross isolation as bytes rather than
// as JSON arrays of numbers (Tauri's ×3.6). Layout: 4-byte big-endian JSON length, the JSON (UTF-8), then
// every blob back to back; in the JSON each Uint8Array/ArrayBuffer is {"$bytes": index} and the list of
// blob lengths is in its "blobs" field. Self-contained functions: the iframe and the relay receive their
// source text, the core imports them.

/** True when value nests deeper than max (objects and arrays count; iterative, so hostile depth is safe). */
export function tooDeep(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (
      item === null || typeof item !== "object" || ArrayBuffer.isView(item) || item instanceof ArrayBuffer
    ) continue;
    if (depth >= max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Packs a message: JSON with byte references plus the bytes themselves. */
export function packMessage(message: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  const blobs: Uint8Array[] = [];
  const json = JSON.stringify(message, function (this: unknown, _key: string, value: unknown) {
    if (value instanceof ArrayBuffer) value = new Uint8Array(value);
    if (ArrayBuffer.isView(value)) {
      blobs.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      return { $bytes: blobs.length - 1 };
    }
    if (
      value !== null && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, "$bytes")
    ) {
      throw new Error('an object with a "$bytes" key cannot be sent (the name is reserved for binary data)');
    }
    return value;
  });
  // The blob lengths go after the JSON body, as a JSON suffix of their own, so packing needs one pass.
  const lengths = new TextEncoder().encode(JSON.stringify(blobs.map((blob) => blob.byteLength)));
  const body = new TextEncoder().encode(json);
  let size = 8 + body.length + lengths.length;
  for (const blob of blobs) size += blob.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  view.setUint32(4, lengths.length);
  out.set(body, 8);
  out.set(lengths, 8 + body.length);
  let at = 8 + body.length + lengths.length;
  for (const blob of blobs) {
    out.set(blob, at);
    at += blob.byteLength;
  }
  return out;
}

/** Puts the blobs back where their {"$bytes": i} references stand. */
export function restoreBytes(value: unknown, blobs: Uint8Array[]): unknown {
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, "$bytes") && Object.keys(record).length === 1) {
    const index = record.$bytes;
    if (typeof index !== "number" || !(index >= 0 && index < blobs.length) || !Number.isInteger(index)) {
      throw new Error("malformed byte reference");
    }
    return blobs[index];
  }
  for (const key of Object.keys(record)) record[key] = restoreBytes(record[key], blobs);
  return record;
}

/** The source text of these functions, for the iframe and the relay. */
export function wireSource(): string {
  return [tooDeep, packMessage, restoreBytes].map(String).join("\n");
}
