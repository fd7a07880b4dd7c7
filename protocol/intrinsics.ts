// The prototypes a realm starts with (Object.prototype, Date.prototype, ArrayBuffer.prototype, every DOM
// interface's…), taken when this module is evaluated: at document start, before any page script. A method
// a page script later adds to one of them is the page's, not a value's own (see frontend/page.ts
// serialiser). Only the page world needs this, and it is its own module so that only the page world
// pays for it: reading each global constructor makes WebKit create it and its prototype, some 700 DOM
// interfaces, 8–10 ms at every document start (measured); the relay and the isolation runtime skip it.
import { getOwnPropertyDescriptor, getPrototypeOf, hasOwn, uncurry } from "./primordials.ts";

const intrinsicPrototypes = new Set<object>();
const setHas = uncurry(Set.prototype.has) as (set: Set<object>, value: object) => boolean;
const setAdd = uncurry(Set.prototype.add) as (set: Set<object>, value: object) => Set<object>;
{
  const names = Object.getOwnPropertyNames(globalThis);
  for (let i = 0; i < names.length; i++) {
    const descriptor = getOwnPropertyDescriptor(globalThis, names[i]);
    const value = descriptor && hasOwn(descriptor, "value") ? descriptor.value : undefined;
    if (typeof value !== "function") continue;
    const prototype = getOwnPropertyDescriptor(value, "prototype")?.value;
    if (prototype !== null && typeof prototype === "object") setAdd(intrinsicPrototypes, prototype);
  }
  setAdd(intrinsicPrototypes, getPrototypeOf(Uint8Array.prototype));
  setAdd(intrinsicPrototypes, Function.prototype);
  setAdd(intrinsicPrototypes, Object.prototype);
}

/** Whether `object` is one of the prototypes the realm started with.
 * @example isIntrinsicPrototype(Date.prototype) // true; a page's own class prototype: false */
export const isIntrinsicPrototype = (object: object): boolean => setHas(intrinsicPrototypes, object);
