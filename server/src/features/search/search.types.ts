import { type SQL, sql } from 'drizzle-orm';
import { nodes } from '../nodes/nodes.table.ts';

/** The kinds of file search can be narrowed to, by content type. */
export const FILE_TYPES = ['image', 'video', 'audio', 'document', 'archive'] as const;
export type FileType = (typeof FILE_TYPES)[number];

const DOCUMENTS = [
  'application/pdf',
  'application/rtf',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/epub+zip',
];
const ARCHIVES = [
  'application/zip',
  'application/gzip',
  'application/x-tar',
  'application/x-7z-compressed',
  'application/vnd.rar',
  'application/x-rar-compressed',
  'application/x-bzip2',
  'application/x-xz',
  'application/zstd',
];

/** The condition a node's content type meets to be of this type. */
export function contentTypeIs(type: FileType): SQL {
  const column = nodes.contentType;
  switch (type) {
    case 'image':
    case 'video':
    case 'audio':
      return sql`${column} like ${`${type}/%`}`;
    case 'document':
      return sql`(${column} like 'text/%' or ${column} like 'application/vnd.openxmlformats-officedocument.%'
        or ${column} like 'application/vnd.oasis.opendocument.%' or ${column} in ${DOCUMENTS})`;
    case 'archive':
      return sql`${column} in ${ARCHIVES}`;
  }
}
