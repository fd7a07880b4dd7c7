// Argument schemas for app commands: a few composable checks with TypeScript types inferred from them,
// so a handler's `args` is typed and a bad call is refused with the field that was wrong, before the
// handler runs. Deliberately small: what arrives is JSON plus bytes, so that is all it needs to describe.

/** A check of one value; `path` names it in errors (e.g. "args.user.name"). */
export interface Schema<T> {
  readonly describe: string;
  parse(value: unknown, path: string): T;
  /** Present on optional(...) schemas: the field may be missing. */
  readonly optional?: true;
}
export type Infer<S> = S extends Schema<infer T> ? T : never;

export class ValidationError extends Error {
  override name = "ValidationError";
}

const kindOf = (value: unknown) =>
  value === null
    ? "null"
    : Array.isArray(value)
    ? "array"
    : value instanceof Uint8Array
    ? "bytes"
    : typeof value;

function fail(path: string, expected: string, value: unknown): never {
  throw new ValidationError(`${path}: expected ${expected}, got ${kindOf(value)}`);
}

function string(options: { min?: number; max?: number; pattern?: RegExp } = {}): Schema<string> {
  const { min = 0, max = Infinity, pattern } = options;
  return {
    describe: "a string",
    parse(value, path) {
      if (typeof value !== "string") fail(path, "a string", value);
      if (value.length < min) throw new ValidationError(`${path}: must be at least ${min} characters`);
      if (value.length > max) throw new ValidationError(`${path}: must be at most ${max} characters`);
      if (pattern && !pattern.test(value)) throw new ValidationError(`${path}: must match ${pattern}`);
      return value;
    },
  };
}

function number(options: { min?: number; max?: number; integer?: boolean } = {}): Schema<number> {
  const { min = -Infinity, max = Infinity, integer = false } = options;
  const expected = integer ? "an integer" : "a number";
  return {
    describe: expected,
    parse(value, path) {
      if (typeof value !== "number" || !Number.isFinite(value)) fail(path, expected, value);
      if (integer && !Number.isSafeInteger(value)) fail(path, expected, value);
      if (value < min) throw new ValidationError(`${path}: must be ≥ ${min}`);
      if (value > max) throw new ValidationError(`${path}: must be ≤ ${max}`);
      return value;
    },
  };
}

const boolean: Schema<boolean> = {
  describe: "a boolean",
  parse(value, path) {
    if (typeof value !== "boolean") fail(path, "a boolean", value);
    return value;
  },
};

function bytes(options: { max?: number } = {}): Schema<Uint8Array> {
  const { max = Infinity } = options;
  return {
    describe: "bytes",
    parse(value, path) {
      if (!(value instanceof Uint8Array)) fail(path, "bytes (Uint8Array)", value);
      if (value.byteLength > max) throw new ValidationError(`${path}: must be at most ${max} bytes`);
      return value;
    },
  };
}

function oneOf<const T extends readonly (string | number | boolean | null)[]>(
  ...choices: T
): Schema<T[number]> {
  const describe = `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`;
  return {
    describe,
    parse(value, path) {
      if (!choices.includes(value as T[number])) {
        throw new ValidationError(
          `${path}: expected ${describe}, got ${JSON.stringify(value) ?? kindOf(value)}`,
        );
      }
      return value as T[number];
    },
  };
}

function array<T>(item: Schema<T>, options: { max?: number } = {}): Schema<T[]> {
  const { max = Infinity } = options;
  return {
    describe: `an array of ${item.describe}`,
    parse(value, path) {
      if (!Array.isArray(value)) fail(path, `an array`, value);
      if (value.length > max) throw new ValidationError(`${path}: must have at most ${max} items`);
      return value.map((entry, i) => item.parse(entry, `${path}[${i}]`));
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type ObjectOf<S extends Shape> =
  & { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> }
  & { [K in OptionalKeys<S>]?: Infer<S[K]> };

/** A plain object with exactly these fields (unknown fields are refused: a typo should not pass). */
function object<S extends Shape>(shape: S, options: { extra?: boolean } = {}): Schema<ObjectOf<S>> {
  return {
    describe: "an object",
    parse(value, path) {
      if (
        typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array
      ) {
        fail(path, "an object", value);
      }
      const input = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(shape)) {
        const present = Object.hasOwn(input, key) && input[key] !== undefined;
        if (!present) {
          if (schema.optional) continue;
          throw new ValidationError(`${path}.${key}: is required (${schema.describe})`);
        }
        out[key] = schema.parse(input[key], `${path}.${key}`);
      }
      if (!options.extra) {
        for (const key of Object.keys(input)) {
          if (!Object.hasOwn(shape, key)) {
            throw new ValidationError(`${path}.${key}: is not an expected field`);
          }
        }
      }
      return out as ObjectOf<S>;
    },
  };
}

function optional<T>(schema: Schema<T>): Schema<T | undefined> & { optional: true } {
  return { describe: `${schema.describe} (optional)`, optional: true, parse: (v, p) => schema.parse(v, p) };
}

const unknownValue: Schema<unknown> = { describe: "anything", parse: (value) => value };

/** The schema builders: `t.object({ name: t.string({ max: 100 }), times: t.optional(t.integer()) })`. */
export const t = {
  string,
  number,
  integer: (options: { min?: number; max?: number } = {}) => number({ ...options, integer: true }),
  boolean: () => boolean,
  bytes,
  oneOf,
  array,
  object,
  optional,
  unknown: () => unknownValue,
};
