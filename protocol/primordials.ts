// Primordials: every built-in the bridge uses, taken once when this module is evaluated — first, at
// document start, before any page script has run (and, in the core, at import).
//
// THE RULE for the bridge's modules (frontend/page*, frontend/relay*, frontend/link.ts, isolation/runtime.ts,
// protocol/*): after start they make no property lookup that resolves through an object a page script can
// modify. So they never name a global (window, document, Object, JSON, crypto, …) except through this
// module, never call a method with `a.b()` syntax (a built-in's method is taken here and uncurried: called
// as `fn(self, ...args)` through the captured Reflect.apply), read getters and setters through their
// captured descriptors, and read data they did not build themselves with own-property checks (`own`).
// tests/bridge_lint_test.ts fails when a bridge module breaks the first two parts.
//
// Why: hostile code bundled into a page can replace `MessagePort.prototype.postMessage`, plant a getter
// on `Object.prototype`, or redefine `Uint8Array`; anything the bridge looked up at call time would then
// run the attacker's code with the bridge's secrets in hand. A lookup made here, before any of it ran,
// cannot be redirected later.

const ReflectApply = Reflect.apply;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;

/** `fn` as a plain function taking its `this` first: `uncurry(String.prototype.slice)(text, 1)`. */
export function uncurry<T, A extends unknown[], R>(
  fn: (this: T, ...args: A) => R,
): (self: T, ...args: A) => R {
  return (self, ...args) => ReflectApply(fn, self, args);
}

/** A getter of a prototype, uncurried: `getter(MessageEvent.prototype, "data")(event)`. */
export function getter<T = unknown>(prototype: object, name: string | symbol): (self: unknown) => T {
  const get = ObjectGetOwnPropertyDescriptor(prototype, name)?.get;
  if (!get) throw new TypeError(`primordials: no getter ${String(name)}`);
  return (self) => ReflectApply(get, self, []) as T;
}

/** A setter of a prototype, uncurried. */
export function setter(prototype: object, name: string): (self: unknown, value: unknown) => void {
  const set = ObjectGetOwnPropertyDescriptor(prototype, name)?.set;
  if (!set) throw new TypeError(`primordials: no setter ${name}`);
  return (self, value) => void ReflectApply(set, self, [value]);
}

export const apply = ReflectApply;

// Objects.
export const ObjectPrototype = Object.prototype;
export const ArrayPrototype = Array.prototype;
export const hasOwn = Object.hasOwn as (object: object, key: PropertyKey) => boolean;
export const objectKeys = Object.keys;
export const objectFreeze = Object.freeze;
export const objectCreate = Object.create;
export const defineProperty = Object.defineProperty;
export const getPrototypeOf = Object.getPrototypeOf;
export const getOwnPropertyDescriptor = ObjectGetOwnPropertyDescriptor;
export const isArray = Array.isArray;

/** obj[key] if it is obj's own property, else undefined: no lookup reaches a prototype. */
export function own(object: unknown, key: string): unknown {
  if (object === null || (typeof object !== "object" && typeof object !== "function")) return undefined;
  return hasOwn(object as object, key) ? (object as Record<string, unknown>)[key] : undefined;
}

/** A value of an own data property, or undefined (an accessor is not called). */
export function ownValue(object: object, key: PropertyKey): unknown {
  const descriptor = ObjectGetOwnPropertyDescriptor(object, key);
  return descriptor && hasOwn(descriptor, "value") ? descriptor.value : undefined;
}

/** Defines obj[key] = value as a data property: no setter on a prototype can see it. */
export function put(object: object, key: PropertyKey, value: unknown): void {
  defineProperty(
    object,
    key,
    { __proto__: null, value, writable: true, enumerable: true, configurable: true } as PropertyDescriptor,
  );
}

/** A record with no prototype: lookups on it reach nothing else. */
export function record<T>(): Record<string, T> {
  return objectCreate(null);
}

// Functions, errors, numbers, strings.
export const SafeError = Error;
export const SafeTypeError = TypeError;
export const SafeString = String;
export const isSafeInteger = Number.isSafeInteger;
export const isInteger = Number.isInteger;
export const dateNow = Date.now;
export const fromCharCode = String.fromCharCode;
export const encodeUriComponent = encodeURIComponent;
export const stringStartsWith = uncurry(String.prototype.startsWith);
export const stringCharCodeAt = uncurry(String.prototype.charCodeAt);

// Arrays (used only on arrays the bridge built itself).
export const arrayPush = uncurry(Array.prototype.push) as (array: unknown[], ...items: unknown[]) => number;
export const arrayMap = uncurry(Array.prototype.map) as <T, U>(
  array: T[],
  fn: (item: T, index: number) => U,
) => U[];
export const arrayEvery = uncurry(Array.prototype.every) as <T>(
  array: T[],
  fn: (item: T) => boolean,
) => boolean;
export const arraySplice = uncurry(Array.prototype.splice) as (
  array: unknown[],
  start: number,
  count?: number,
) => unknown[];

// Promises: `await` and `.then` look up `constructor` and `then` on the promise at run time, so the
// bridge chains promises only through these.
export const SafePromise = Promise;
export const PromisePrototype: object = Promise.prototype;
export const symbolSpecies: typeof Symbol.species = Symbol.species;
export const promiseThen = uncurry(Promise.prototype.then) as <T, R1 = T, R2 = never>(
  promise: Promise<T>,
  onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
  onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
) => Promise<R1 | R2>;
export const promiseCatch = Promise.prototype.catch;
export const promiseFinally = Promise.prototype.finally;
export const promiseThenMethod = Promise.prototype.then;
export const promiseResolve = (value?: unknown): Promise<unknown> =>
  ReflectApply(Promise.resolve, Promise, [value]) as Promise<unknown>;

// JSON.
export const jsonParse = JSON.parse;
export const jsonStringify = JSON.stringify;

// Bytes.
export const SafeUint8Array = Uint8Array;
export const SafeInt32Array = Int32Array;
export const SafeDataView = DataView;
export const isView = ArrayBuffer.isView;
const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype);
export const typedArrayLength = getter<number>(TypedArrayPrototype, "length");
export const typedArrayByteLength = getter<number>(TypedArrayPrototype, "byteLength");
export const typedArrayByteOffset = getter<number>(TypedArrayPrototype, "byteOffset");
export const typedArrayBuffer = getter<ArrayBuffer>(TypedArrayPrototype, "buffer");
export const typedArraySet = uncurry(TypedArrayPrototype.set) as (
  target: Uint8Array,
  source: ArrayLike<number>,
  offset?: number,
) => void;
export const typedArraySubarray = uncurry(TypedArrayPrototype.subarray) as (
  array: Uint8Array,
  start?: number,
  end?: number,
) => Uint8Array;
export const typedArraySlice = uncurry(TypedArrayPrototype.slice) as (
  array: Uint8Array,
  start?: number,
  end?: number,
) => Uint8Array;
export const typedArrayIncludes = uncurry(TypedArrayPrototype.includes) as (
  array: Uint8Array,
  value: number,
) => boolean;
const dataViewBuffer = getter<ArrayBuffer>(DataView.prototype, "buffer");
const dataViewByteOffset = getter<number>(DataView.prototype, "byteOffset");
const dataViewByteLength = getter<number>(DataView.prototype, "byteLength");
const isTypedArray = (value: unknown): boolean => {
  try {
    typedArrayLength(value);
    return true;
  } catch {
    return false;
  }
};
/** The bytes any ArrayBuffer view (a typed array or a DataView) looks at, as a Uint8Array over them. */
export const viewBytes = (view: ArrayBufferView): Uint8Array =>
  isTypedArray(view)
    ? new SafeUint8Array(typedArrayBuffer(view), typedArrayByteOffset(view), typedArrayByteLength(view))
    : new SafeUint8Array(dataViewBuffer(view), dataViewByteOffset(view), dataViewByteLength(view));
export const arrayBufferByteLength = getter<number>(ArrayBuffer.prototype, "byteLength");
export const dataViewGetUint32 = uncurry(DataView.prototype.getUint32);
export const dataViewSetUint32 = uncurry(DataView.prototype.setUint32);
export const ArrayBufferPrototype = ArrayBuffer.prototype;
export const CryptoKeyPrototype: object | null = typeof CryptoKey === "function" ? CryptoKey.prototype : null;
/** An ArrayBuffer of this realm (what a structured clone or the core's own code makes). The prototype
 * check comes first: a thrown brand check costs microseconds, paid on every object of a large call. */
export const isArrayBuffer = (value: unknown): value is ArrayBuffer => {
  if (value === null || typeof value !== "object" || getPrototypeOf(value) !== ArrayBufferPrototype) {
    return false;
  }
  try {
    arrayBufferByteLength(value);
    return true;
  } catch {
    return false;
  }
};
const nativeToBase64 = (Uint8Array.prototype as unknown as { toBase64?: () => string }).toBase64;
export const bytesToBase64Native = nativeToBase64
  ? uncurry(nativeToBase64) as (bytes: Uint8Array) => string
  : null;
const nativeFromBase64 =
  (Uint8Array as unknown as { fromBase64?: (text: string, options: unknown) => Uint8Array })
    .fromBase64;
export const base64ToBytesNative = nativeFromBase64
  ? (text: string) =>
    ReflectApply(nativeFromBase64, Uint8Array, [text, {
      __proto__: null,
      lastChunkHandling: "strict",
    }]) as Uint8Array<
      ArrayBuffer
    >
  : null;
export const atobSafe = globalThis.atob;
export const btoaSafe = globalThis.btoa;
const encoder = new TextEncoder();
const encode = uncurry(TextEncoder.prototype.encode);
export const utf8Encode = (text: string): Uint8Array<ArrayBuffer> =>
  encode(encoder, text) as Uint8Array<ArrayBuffer>;
const fatalDecoder = new TextDecoder("utf-8", { fatal: true });
const decode = uncurry(TextDecoder.prototype.decode);
export const utf8Decode = (bytes: Uint8Array): string => decode(fatalDecoder, bytes);
const lossyDecoder = new TextDecoder();
/** UTF-8 with U+FFFD for bytes that are not (TextDecoder's default), never throwing. */
export const utf8DecodeLossy = (bytes: Uint8Array): string => decode(lossyDecoder, bytes);

// Crypto: taken before any script of the page (or of the isolation app) could wrap it and catch a key.
const subtle = globalThis.crypto.subtle;
const SubtleCryptoPrototype = getPrototypeOf(subtle);
const subtleEncrypt = SubtleCryptoPrototype.encrypt;
const subtleDecrypt = SubtleCryptoPrototype.decrypt;
const subtleImportKey = SubtleCryptoPrototype.importKey;
const getRandom = getPrototypeOf(globalThis.crypto).getRandomValues;
const cryptoObject = globalThis.crypto;
export const randomBytes = (n: number): Uint8Array<ArrayBuffer> =>
  ReflectApply(getRandom, cryptoObject, [new SafeUint8Array(n)]) as Uint8Array<ArrayBuffer>;
export const aesGcmEncrypt = (
  key: CryptoKey,
  iv: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<ArrayBuffer> =>
  ReflectApply(subtleEncrypt, subtle, [
    { __proto__: null, name: "AES-GCM", iv, additionalData: aad },
    key,
    data,
  ]);
export const aesGcmDecrypt = (
  key: CryptoKey,
  iv: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<ArrayBuffer> =>
  ReflectApply(subtleDecrypt, subtle, [
    { __proto__: null, name: "AES-GCM", iv, additionalData: aad },
    key,
    data,
  ]);
export const importAesKey = (raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> =>
  ReflectApply(subtleImportKey, subtle, ["raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]]);

/** A random safe integer of 52 bits: ids a page script cannot guess (Tauri's callback ids are numbers). */
export function randomId(): number {
  const bytes = randomBytes(7);
  let n = bytes[0] & 15;
  for (let i = 1; i < 7; i++) n = n * 256 + bytes[i];
  return n + 1;
}

const digits = "0123456789abcdef";
/** n random bytes as lowercase hex: nonces, ids. */
export function randomHex(n: number): string {
  const bytes = randomBytes(n);
  let out = "";
  // Indexing a string and a typed array the bridge made calls nothing a page could replace.
  for (let i = 0; i < n; i++) out += digits[bytes[i] >> 4] + digits[bytes[i] & 15];
  return out;
}
