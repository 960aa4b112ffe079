import { sql } from 'drizzle-orm';
import { decodeCursor } from '../../shared/cursors.ts';
import { isUuid } from '../../shared/ids.ts';
import { FOLDERS_FIRST, type SortKey } from './nodes.repository.ts';
import { nodes } from './nodes.table.ts';

export type SortField = 'name' | 'size' | 'updatedAt' | 'createdAt';

export interface PageRequest {
  cursor?: string;
  limit: number;
  sort: SortField;
  order: 'asc' | 'desc';
}

/** The keys a listing is ordered by: folders first whatever the order, the chosen field, then enough to make the order total. */
export function sortKeys(sort: SortField, order: 'asc' | 'desc'): SortKey[] {
  const foldersFirst = FOLDERS_FIRST;
  const byName = (direction: 'asc' | 'desc'): SortKey[] => [
    { expression: sql`lower(${nodes.name})`, direction, type: 'text' },
    { expression: sql`${nodes.name}`, direction, type: 'text' },
  ];
  const byId: SortKey = { expression: sql`${nodes.id}`, direction: order, type: 'uuid' };
  switch (sort) {
    case 'name':
      return [foldersFirst, ...byName(order), byId];
    case 'size':
      return [
        foldersFirst,
        { expression: sql`coalesce(${nodes.size}, 0)`, direction: order, type: 'bigint' },
        ...byName('asc'),
        byId,
      ];
    case 'updatedAt':
      return [
        foldersFirst,
        { expression: sql`${nodes.updatedAt}`, direction: order, type: 'timestamptz' },
        byId,
      ];
    case 'createdAt':
      return [
        foldersFirst,
        { expression: sql`${nodes.createdAt}`, direction: order, type: 'timestamptz' },
        byId,
      ];
  }
}

// A timestamptz as PostgreSQL writes it as text (the ISO DateStyle it uses unless told otherwise).
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2}) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-](0\d|1[0-5])(:[0-5]\d){0,2}$/;
const INTEGER = /^-?\d{1,19}$/;
const INTEGER_RANGE: Record<'int' | 'bigint', bigint> = { int: 2n ** 31n, bigint: 2n ** 63n };

/** Whether a value from a cursor casts to its sort key's SQL type (else the query would fail). */
function castsTo(type: SortKey['type'], value: string): boolean {
  switch (type) {
    case 'uuid':
      return isUuid(value);
    case 'text':
      return !value.includes('\u0000') && value.isWellFormed();
    case 'int':
    case 'bigint': {
      if (!INTEGER.test(value)) return false;
      const n = BigInt(value);
      return n >= -INTEGER_RANGE[type] && n < INTEGER_RANGE[type];
    }
    case 'timestamptz': {
      const [, year, month, day] = (TIMESTAMP.exec(value) ?? []).map(Number);
      if (year === undefined || month === undefined || day === undefined) return false;
      // A date that exists (no 30 February); years below 100 don't round-trip, and none is stored.
      const date = new Date(Date.UTC(year, month - 1, day));
      return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    }
  }
}

/** The key values a cursor carries, if it is one this server could have issued for these keys. */
export function decodePageCursor(cursor: string, keys: SortKey[]): string[] {
  return decodeCursor(cursor, (values) =>
    values.length === keys.length &&
    values.every((v, i) => typeof v === 'string' && castsTo(keys[i]?.type ?? 'uuid', v))
      ? (values as string[])
      : undefined,
  );
}
