import { Type } from 'typebox';
import { Nullable, StringEnum } from '../../shared/schemas.ts';
import type { NodeRow } from './nodes.table.ts';

export const Node = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: StringEnum(['folder', 'file']),
    name: Type.String({ description: 'Empty for the root folder.' }),
    parentId: Nullable(Type.String({ format: 'uuid' })),
    size: Nullable(Type.Integer({ description: 'Bytes as the user sees them; null for folders.' })),
    storedSize: Nullable(
      Type.Integer({ description: 'Bytes the stored blob takes (smaller when compressed).' }),
    ),
    encoding: Nullable(StringEnum(['identity', 'gzip'])),
    contentType: Nullable(Type.String()),
    sha256: Nullable(Type.String({ description: 'Hex SHA-256 of the file as the user sees it.' })),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    trashedAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { title: 'Node' },
);

export function toApiNode(node: NodeRow) {
  return {
    id: node.id,
    kind: node.kind,
    name: node.name,
    parentId: node.parentId,
    size: node.size,
    storedSize: node.storedSize,
    encoding: node.encoding,
    contentType: node.contentType,
    sha256: node.sha256,
    createdAt: node.createdAt.toISOString(),
    updatedAt: node.updatedAt.toISOString(),
    trashedAt: node.trashedAt?.toISOString() ?? null,
  };
}

/** A folder id in a path: a uuid, or `root` for the user's top folder. */
export const FolderId = Type.Union([Type.Literal('root'), Type.String({ format: 'uuid' })]);

export const PageQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 2048, description: 'nextCursor of the previous page' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  sort: Type.Union(
    [Type.Literal('name'), Type.Literal('size'), Type.Literal('updatedAt'), Type.Literal('createdAt')],
    { default: 'name' },
  ),
  order: Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc' }),
});

export const NodeName = Type.String({
  minLength: 1,
  maxLength: 1020,
  description:
    '1–255 bytes of UTF-8 after NFC normalisation; no "/", NUL or control characters; not "." or ".."; ' +
    'not beginning with U+FEFF.',
});

export const CreateFolderBody = Type.Object(
  { parentId: FolderId, name: NodeName },
  { additionalProperties: false },
);

export const UpdateNodeBody = Type.Object(
  { name: Type.Optional(NodeName), parentId: Type.Optional(FolderId) },
  { additionalProperties: false },
);

export const NodePage = Type.Object({
  items: Type.Array(Node),
  nextCursor: Nullable(Type.String()),
});
