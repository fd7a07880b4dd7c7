// How a call is laid out as bytes before sealing, so binary arguments cross isolation as bytes rather than
// as JSON arrays of numbers (Tauri's ×3.6). Layout: two 4-byte big-endian lengths (JSON body, blob-length
// list), the JSON (UTF-8), the blob lengths as a JSON array, then every blob back to back; in the JSON each
// Uint8Array/ArrayBuffer is {"$bytes": index}. Used by the isolation runtime, the relay and the core.
import {
  arrayBufferByteLength,
  arrayEvery,
  arrayPush,
  dataViewGetUint32,
  dataViewSetUint32,
  getPrototypeOf,
  hasOwn,
  isArray,
  isArrayBuffer,
  isInteger,
  isSafeInteger,
  isView,
  jsonParse,
  jsonStringify,
  objectKeys,
  own,
  SafeDataView,
  SafeError,
  SafeUint8Array,
  typedArrayBuffer,
  typedArrayByteLength,
  typedArrayByteOffset,
  typedArrayIncludes,
  typedArraySet,
  typedArraySlice,
  typedArraySubarray,
  utf8Decode,
  utf8Encode,
  viewBytes,
} from "./primordials.ts";

const isBytes = (value: unknown): boolean => isView(value) || isArrayBuffer(value);

/** True when value nests deeper than max (objects and arrays count). Recursion stops at max, so hostile
 * depth (or a cycle) costs at most max frames. */
export function tooDeep(value: unknown, max: number): boolean {
  const walk = (item: unknown, depth: number): boolean => {
    if (item === null || typeof item !== "object" || isBytes(item)) return false;
    if (depth >= max) return true;
    if (isArray(item)) {
      for (let i = 0; i < item.length; i++) if (walk(item[i], depth + 1)) return true;
      return false;
    }
    const keys = objectKeys(item);
    for (let i = 0; i < keys.length; i++) {
      if (walk((item as Record<string, unknown>)[keys[i]], depth + 1)) return true;
    }
    return false;
  };
  return walk(value, 0);
}

const reserved = (): never => {
  throw new SafeError('an object with a "$bytes" key cannot be sent (the name is reserved for binary data)');
};

/** One cheap walk first: most calls carry no bytes, and JSON.stringify without a replacer is several
 * times faster. Bytes, toJSON methods or great depth (a cycle) take the replacer path. */
function plainJson(item: unknown, depth: number): boolean {
  if (item === null || typeof item !== "object") return true;
  if (isBytes(item) || depth > 256) return false;
  if (isArray(item)) {
    for (let i = 0; i < item.length; i++) if (!plainJson(item[i], depth + 1)) return false;
    return true;
  }
  if (typeof own(item, "toJSON") === "function" || typeof getPrototypeOf(item)?.toJSON === "function") {
    return false;
  }
  const keys = objectKeys(item);
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] === "$bytes") reserved();
    if (!plainJson((item as Record<string, unknown>)[keys[i]], depth + 1)) return false;
  }
  return true;
}

/** The message as JSON text when it has no bytes (nor toJSON methods, a "$bytes" key, or great depth):
 * exactly the JSON packMessage would write for it. Null otherwise. The relay hands such a call to the
 * isolation frame as this text: a string crosses a window message several times faster than the object
 * graph it stands for (a structured clone), and the hook sees the call as the core will.
 * @example jsonText({ cmd: "greet", payload: { name: "Ada" } }) // → '{"cmd":"greet","payload":{"name":"Ada"}}' */
export function jsonText(message: unknown): string | null {
  try {
    return plainJson(message, 0) ? jsonStringify(message) ?? null : null;
  } catch {
    return null; // a "$bytes" key or a BigInt: packing will say what is wrong with it
  }
}

/** Packs a message: JSON with byte references plus the bytes themselves.
 * @example unpackMessage(packMessage({ a: new Uint8Array([1]) }), 64) // → { a: Uint8Array [1] } */
export function packMessage(message: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  const blobs: Uint8Array[] = [];
  const json = plainJson(message, 0)
    ? jsonStringify(message)
    : jsonStringify(message, function (_key: string, value: unknown) {
      if (isArrayBuffer(value)) value = new SafeUint8Array(value, 0, arrayBufferByteLength(value));
      if (isView(value)) {
        arrayPush(blobs, viewBytes(value as ArrayBufferView));
        return { $bytes: blobs.length - 1 };
      }
      if (
        value !== null && typeof value === "object" && !isArray(value) && hasOwn(value, "$bytes")
      ) reserved();
      return value;
    });
  // The blob lengths go after the JSON body, as a JSON suffix of their own, so packing needs one pass.
  const lengthList: number[] = [];
  let size = 0;
  for (let i = 0; i < blobs.length; i++) {
    const length = typedArrayByteLength(blobs[i]);
    arrayPush(lengthList, length);
    size += length;
  }
  const lengths = utf8Encode(jsonStringify(lengthList));
  const body = utf8Encode(json);
  const bodyLength = typedArrayByteLength(body);
  const lengthsLength = typedArrayByteLength(lengths);
  size += 8 + bodyLength + lengthsLength;
  const out = new SafeUint8Array(size);
  const view = new SafeDataView(typedArrayBuffer(out));
  dataViewSetUint32(view, 0, bodyLength);
  dataViewSetUint32(view, 4, lengthsLength);
  typedArraySet(out, body, 8);
  typedArraySet(out, lengths, 8 + bodyLength);
  let at = 8 + bodyLength + lengthsLength;
  for (let i = 0; i < blobs.length; i++) {
    typedArraySet(out, blobs[i], at);
    at += typedArrayByteLength(blobs[i]);
  }
  return out;
}

/**
 * The inverse of packMessage, for bytes nobody should be trusted on: every length is checked, and depth
 * before the (recursive) restore walks the value. Throws an Error saying what is wrong.
 */
export function unpackMessage(bytes: Uint8Array, maxDepth: number): unknown {
  const total = typedArrayByteLength(bytes);
  if (total < 8) throw new SafeError("malformed message: truncated");
  const view = new SafeDataView(typedArrayBuffer(bytes), typedArrayByteOffset(bytes), total);
  const jsonLength = dataViewGetUint32(view, 0);
  const lengthsLength = dataViewGetUint32(view, 4);
  const blobsAt = 8 + jsonLength + lengthsLength;
  if (blobsAt > total) throw new SafeError("malformed message: lengths exceed the message");
  let value: unknown, lengths: unknown;
  try {
    lengths = jsonParse(utf8Decode(typedArraySubarray(bytes, 8 + jsonLength, blobsAt)));
    value = jsonParse(utf8Decode(typedArraySubarray(bytes, 8, 8 + jsonLength)));
  } catch {
    throw new SafeError("malformed message: not UTF-8 JSON");
  }
  if (!isArray(lengths) || !arrayEvery(lengths, (n) => isSafeInteger(n) && (n as number) >= 0)) {
    throw new SafeError("malformed message: blob lengths");
  }
  // Each blob is referenced as {"$bytes":N} (12+ characters of JSON): more blobs than that is a message
  // built to make the decoder copy millions of empty slices, not one packMessage wrote.
  if (lengths.length > jsonLength / 12) throw new SafeError("malformed message: more blobs than references");
  const blobs: Uint8Array[] = [];
  let at = blobsAt;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i] as number;
    if (at + length > total) throw new SafeError("malformed message: blob past the end");
    arrayPush(blobs, typedArraySlice(bytes, at, at + length));
    at += length;
  }
  if (at !== total) throw new SafeError("malformed message: trailing bytes");
  if (tooDeep(value, maxDepth)) throw new SafeError(`message nests deeper than ${maxDepth} levels`);
  // Nothing to put back (the common case): skip the walk. A reference without blobs still gets checked.
  if (blobs.length === 0 && !typedArrayIncludes(typedArraySubarray(bytes, 8, 8 + jsonLength), 36 /* "$" */)) {
    return value;
  }
  return restoreBytes(value, blobs);
}

/** Puts the blobs back where their {"$bytes": i} references stand. */
export function restoreBytes(value: unknown, blobs: Uint8Array[]): unknown {
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const keys = objectKeys(record);
  if (keys.length === 1 && keys[0] === "$bytes") {
    const index = record.$bytes;
    if (typeof index !== "number" || !(index >= 0 && index < blobs.length) || !isInteger(index)) {
      throw new SafeError("malformed message: byte reference");
    }
    return blobs[index];
  }
  for (let i = 0; i < keys.length; i++) record[keys[i]] = restoreBytes(record[keys[i]], blobs);
  return record;
}

/** Chunks (read from a stream) as one byte array; a single whole chunk is returned as it is. */
export function concatBytes(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
  if (
    chunks.length === 1 && typedArrayByteOffset(chunks[0]) === 0 &&
    typedArrayByteLength(chunks[0]) === arrayBufferByteLength(typedArrayBuffer(chunks[0]))
  ) {
    return chunks[0] as Uint8Array<ArrayBuffer>;
  }
  let total = 0;
  for (let i = 0; i < chunks.length; i++) total += typedArrayByteLength(chunks[i]);
  const out = new SafeUint8Array(total);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    typedArraySet(out, chunks[i], at);
    at += typedArrayByteLength(chunks[i]);
  }
  return out;
}
