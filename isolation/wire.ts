// How a call is laid out as bytes before sealing, so binary arguments cross isolation as bytes rather than
// as JSON arrays of numbers (Tauri's ×3.6). Layout: 4-byte big-endian JSON length, the JSON (UTF-8), then
// every blob back to back; in the JSON each Uint8Array/ArrayBuffer is {"$bytes": index} and the list of
// blob lengths is in its "blobs" field. Self-contained functions: the iframe and the relay receive their
// source text, the core imports them.

/** True when value nests deeper than max (objects and arrays count). Recursion stops at max, so hostile
 * depth (or a cycle) costs at most max frames. */
export function tooDeep(value: unknown, max: number): boolean {
  const walk = (item: unknown, depth: number): boolean => {
    if (
      item === null || typeof item !== "object" || ArrayBuffer.isView(item) || item instanceof ArrayBuffer
    ) {
      return false;
    }
    if (depth >= max) return true;
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) if (walk(item[i], depth + 1)) return true;
      return false;
    }
    for (const key in item) {
      if (Object.hasOwn(item, key) && walk((item as Record<string, unknown>)[key], depth + 1)) return true;
    }
    return false;
  };
  return walk(value, 0);
}

/** Packs a message: JSON with byte references plus the bytes themselves. */
export function packMessage(message: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  const reserved = () => {
    throw new Error('an object with a "$bytes" key cannot be sent (the name is reserved for binary data)');
  };
  // One cheap walk first: most calls carry no bytes, and JSON.stringify without a replacer is several
  // times faster. Bytes, toJSON methods or great depth (a cycle) take the replacer path.
  const plain = (item: unknown, depth: number): boolean => {
    if (item === null || typeof item !== "object") return true;
    if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer || depth > 256) return false;
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) if (!plain(item[i], depth + 1)) return false;
      return true;
    }
    const record = item as Record<string, unknown>;
    if (typeof record.toJSON === "function") return false;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue;
      if (key === "$bytes") reserved();
      if (!plain(record[key], depth + 1)) return false;
    }
    return true;
  };
  const blobs: Uint8Array[] = [];
  const json = plain(message, 0)
    ? JSON.stringify(message)
    : JSON.stringify(message, function (this: unknown, _key: string, value: unknown) {
      if (value instanceof ArrayBuffer) value = new Uint8Array(value);
      if (ArrayBuffer.isView(value)) {
        blobs.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
        return { $bytes: blobs.length - 1 };
      }
      if (
        value !== null && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, "$bytes")
      ) {
        reserved();
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

/**
 * The inverse of packMessage, for bytes nobody should be trusted on: every length is checked, and depth
 * before the (recursive) restore walks the value. Throws an Error saying what is wrong.
 */
export function unpackMessage(bytes: Uint8Array, maxDepth: number): unknown {
  if (bytes.byteLength < 8) throw new Error("malformed message: truncated");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(0);
  const lengthsLength = view.getUint32(4);
  const blobsAt = 8 + jsonLength + lengthsLength;
  if (blobsAt > bytes.byteLength) throw new Error("malformed message: lengths exceed the message");
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let value: unknown, lengths: unknown;
  try {
    lengths = JSON.parse(decoder.decode(bytes.subarray(8 + jsonLength, blobsAt)));
    value = JSON.parse(decoder.decode(bytes.subarray(8, 8 + jsonLength)));
  } catch {
    throw new Error("malformed message: not UTF-8 JSON");
  }
  if (!Array.isArray(lengths) || !lengths.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new Error("malformed message: blob lengths");
  }
  // Each blob is referenced as {"$bytes":N} (12+ characters of JSON): more blobs than that is a message
  // built to make the decoder copy millions of empty slices, not one packMessage wrote.
  if (lengths.length > jsonLength / 12) throw new Error("malformed message: more blobs than references");
  const blobs: Uint8Array[] = [];
  let at = blobsAt;
  for (const length of lengths as number[]) {
    if (at + length > bytes.byteLength) throw new Error("malformed message: blob past the end");
    blobs.push(bytes.slice(at, at + length));
    at += length;
  }
  if (at !== bytes.byteLength) throw new Error("malformed message: trailing bytes");
  if (tooDeep(value, maxDepth)) throw new Error(`message nests deeper than ${maxDepth} levels`);
  // Nothing to put back (the common case): skip the walk. A reference without blobs still gets checked.
  if (blobs.length === 0 && !bytes.subarray(8, 8 + jsonLength).includes(36 /* "$" */)) return value;
  return restoreBytes(value, blobs);
}

/** Puts the blobs back where their {"$bytes": i} references stand. */
export function restoreBytes(value: unknown, blobs: Uint8Array[]): unknown {
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, "$bytes") && Object.keys(record).length === 1) {
    const index = record.$bytes;
    if (typeof index !== "number" || !(index >= 0 && index < blobs.length) || !Number.isInteger(index)) {
      throw new Error("malformed message: byte reference");
    }
    return blobs[index];
  }
  for (const key of Object.keys(record)) record[key] = restoreBytes(record[key], blobs);
  return record;
}

/** The source text of these functions, for the iframe and the relay. */
export function wireSource(): string {
  return [tooDeep, packMessage, unpackMessage, restoreBytes].map(String).join("\n");
}
