import { type Static, type TSchema, Type } from 'typebox';

// Unions in a response schema make the serialiser try each alternative on every value; a list of
// types or an enum is written directly. These two keep the hot response shapes (a page of
// nodes) cheap to serialise.

/** `schema` or null, as `type: [t, "null"]`. */
export function Nullable<T extends TSchema>(schema: T) {
  const base = schema as TSchema & { type?: string; enum?: unknown[] };
  return Type.Unsafe<Static<T> | null>({
    ...base,
    type: [base.type, 'null'],
    ...(base.enum !== undefined && { enum: [...base.enum, null] }),
  });
}

/** One of these strings. */
export function StringEnum<const T extends string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: values });
}

/**
 * A number of bytes: a whole number the server can count exactly (at most 2^53 − 1, where
 * JavaScript numbers stop being exact), never negative.
 */
export function ByteCount(options: { description?: string } = {}) {
  return Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, ...options });
}
