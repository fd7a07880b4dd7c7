// The arguments of the payload sweep. makePayload is self-contained: its source text is shipped into the
// page, and Deno runs the same function to know the exact packed size (and so the brownfield wire size).

export type PayloadKind = "json" | "binary";

/**
 * JSON: {items: [...]}, records like an app's list data, until the args' JSON text reaches `size` bytes.
 * Binary: {data: Uint8Array(size)}, filled from a small LCG (incompressible enough, and deterministic).
 */
export function makePayload(kind: PayloadKind, size: number): Record<string, unknown> {
  if (kind === "binary") {
    const data = new Uint8Array(size);
    let x = 12345;
    for (let i = 0; i < size; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      data[i] = x >>> 24;
    }
    return { data };
  }
  const items: unknown[] = [];
  let length = '{"items":[]}'.length;
  for (let i = 0; length < size; i++) {
    const item = { id: i, name: "item-" + i, score: i * 0.25, tags: ["alpha", "beta"], done: i % 2 === 0 };
    items.push(item);
    length += JSON.stringify(item).length + (i > 0 ? 1 : 0);
  }
  return { items };
}

/** What the command answers for such args: the count it received, so the page can check nothing was lost. */
export function payloadCount(args: Record<string, unknown>): number {
  const data = args.data as Uint8Array | undefined;
  if (data instanceof Uint8Array) return data.byteLength;
  return (args.items as unknown[]).length;
}

/** The args' own size: JSON text length, or byte length. */
export function payloadBytes(args: Record<string, unknown>): number {
  const data = args.data as Uint8Array | undefined;
  return data instanceof Uint8Array ? data.byteLength : JSON.stringify(args).length;
}
