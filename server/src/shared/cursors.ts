import { AppError } from './errors.ts';

/**
 * A page's cursor: the sort values the next page starts after, as base64url JSON. Opaque to
 * clients; a server only takes back what `read` recognises as one it could have issued.
 */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export const invalidCursor = () =>
  new AppError(400, 'invalid_cursor', 'The cursor is not one this server issued.');

/** The cursor's values as `read` takes them, or 400 invalid_cursor when it answers undefined. */
export function decodeCursor<T>(cursor: string, read: (values: unknown[]) => T | undefined): T {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const decoded = Array.isArray(values) ? read(values) : undefined;
  if (decoded === undefined) throw invalidCursor();
  return decoded;
}
