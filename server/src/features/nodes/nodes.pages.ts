import { sql } from 'drizzle-orm';
import { invalidCursor } from './nodes.errors.ts';
import type { SortKey } from './nodes.repository.ts';
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
  const foldersFirst: SortKey = {
    expression: sql`(${nodes.kind} = 'file')::int`,
    direction: 'asc',
    type: 'int',
  };
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

export function encodeCursor(values: string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, length: number): string[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === length && values.every((v) => typeof v === 'string')) {
      return values;
    }
  } catch {}
  throw invalidCursor();
}
