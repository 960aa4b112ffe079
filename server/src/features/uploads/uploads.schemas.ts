import { Type } from 'typebox';
import { ByteCount, Nullable } from '../../shared/schemas.ts';
import { FolderId, NodeName } from '../nodes/nodes.schemas.ts';

const Sha256Hex = (options: { description: string }) =>
  Type.String({ pattern: '^[0-9a-fA-F]{64}$', ...options });

export const CreateUploadBody = Type.Object(
  {
    parentId: FolderId,
    name: NodeName,
    size: ByteCount({ description: 'Bytes of the file as the user sees it.' }),
    storedSize: Type.Optional(
      ByteCount({ description: 'Bytes that will be uploaded: required with gzip, else equal to size.' }),
    ),
    contentType: Type.Optional(Type.String({ maxLength: 255 })),
    sha256: Type.Optional(
      Sha256Hex({
        description:
          'Hex SHA-256 of the file; verified before it appears. May be given at completion instead.',
      }),
    ),
    encoding: Type.Optional(
      Type.Union([Type.Literal('identity'), Type.Literal('gzip')], {
        description: 'gzip: the parts are the gzip-compressed file; downloads give back the original.',
      }),
    ),
    onConflict: Type.Optional(
      Type.Union([Type.Literal('fail'), Type.Literal('rename'), Type.Literal('replace')]),
    ),
  },
  { additionalProperties: false },
);

const Part = Type.Object({
  number: Type.Integer({ minimum: 1 }),
  size: Type.Integer({ description: 'Exactly this many bytes.' }),
  url: Type.String({ description: 'PUT the part here. Presigned store URLs take no Authorization header.' }),
});

export const UploadSession = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    parentId: Nullable(Type.String({ format: 'uuid' })),
    name: Type.String(),
    size: Type.Integer(),
    storedSize: Type.Integer(),
    encoding: Type.Union([Type.Literal('identity'), Type.Literal('gzip')]),
    contentType: Type.String(),
    sha256: Nullable(
      Type.String({
        description:
          'Declared at the start; once completed, the one verified against the content (null if it was never hashed).',
      }),
    ),
    onConflict: Type.Union([Type.Literal('fail'), Type.Literal('rename'), Type.Literal('replace')]),
    partSize: Type.Integer(),
    partCount: Type.Integer(),
    status: Type.Union(
      [Type.Literal('open'), Type.Literal('completing'), Type.Literal('completed'), Type.Literal('aborted')],
      { description: '`completing` while a request joins and records the file; parts are refused meanwhile' },
    ),
    nodeId: Nullable(Type.String({ format: 'uuid' })),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    partsNeedCredentials: Type.Boolean({
      description: 'True when part URLs are on the API (send your token); false for presigned store URLs.',
    }),
    parts: Type.Array(Part),
    uploadedParts: Type.Array(Type.Object({ number: Type.Integer(), size: Type.Integer() })),
  },
  { title: 'UploadSession' },
);

/** Optional: a client that hashes the file while it sends the parts knows its SHA-256 only now. */
export const CompleteUploadBody = Type.Object(
  {
    sha256: Type.Optional(
      Sha256Hex({
        description:
          'Hex SHA-256 of the file, verified before it appears; must equal the one declared at the start, if any.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The completion routes' contract, the owner's and a drop link's alike. */
export const COMPLETE_UPLOAD_DESCRIPTION =
  'No body needed. `{"sha256": …}` declares the file’s SHA-256 here if the upload did not at its start ' +
  '(409 `sha256_conflict` if it did, with another): the server reads the joined content back and ' +
  'checks it, and a mismatch discards the upload (422 `content_mismatch`). The file records the ' +
  'SHA-256 the server computed, never one taken on trust. Completing a completed upload answers its ' +
  'file (200); with a `sha256`, only if it equals the one verified then (409 `sha256_conflict` ' +
  'otherwise, also when nothing was hashed: parts sent to presigned store URLs with no SHA-256 ' +
  'declared). While another request completes it: 409 `upload_completing`, retry after a moment.';

export const UploadParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const PartParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  number: Type.Integer({ minimum: 1, maximum: 10_000 }),
});
