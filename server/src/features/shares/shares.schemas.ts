import { Type } from 'typebox';
import { ByteCount, Nullable, StringEnum } from '../../shared/schemas.ts';
import type { ShareListing } from './shares.repository.ts';
import { type Status, UNITS_PER_DOWNLOAD } from './shares.service.ts';
import type { ShareEventRow } from './shares.table.ts';

const LinkPassword = Type.String({ minLength: 1, maxLength: 256 });
const Expiry = Type.String({ format: 'date-time', description: 'When the link stops working.' });

/** The settings a link can be made with and changed; each one null to remove it. */
const settings = {
  password: Nullable(LinkPassword),
  expiresAt: Nullable(Expiry),
  maxDownloads: Nullable(
    Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'A link: whole downloads it gives.' }),
  ),
  maxFileBytes: Nullable(
    Type.Integer({
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'A drop: the largest file it takes.',
    }),
  ),
  maxFiles: Nullable(
    Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'A drop: how many files it takes in all.' }),
  ),
};

export const CreateShareBody = Type.Object(
  {
    nodeId: Type.String({ format: 'uuid' }),
    kind: StringEnum(['link', 'drop'], {
      description: '`link`: anyone with it reads the node; `drop`: anyone with it uploads into the folder.',
    }),
    password: Type.Optional(settings.password),
    expiresAt: Type.Optional(settings.expiresAt),
    maxDownloads: Type.Optional(settings.maxDownloads),
    maxFileBytes: Type.Optional(settings.maxFileBytes),
    maxFiles: Type.Optional(settings.maxFiles),
  },
  { additionalProperties: false },
);

export const UpdateShareBody = Type.Object(
  {
    password: Type.Optional(settings.password),
    expiresAt: Type.Optional(settings.expiresAt),
    maxDownloads: Type.Optional(settings.maxDownloads),
    maxFileBytes: Type.Optional(settings.maxFileBytes),
    maxFiles: Type.Optional(settings.maxFiles),
  },
  { additionalProperties: false },
);

export const Share = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    nodeId: Type.String({ format: 'uuid' }),
    nodeName: Type.String(),
    nodeKind: StringEnum(['folder', 'file']),
    kind: StringEnum(['link', 'drop']),
    status: StringEnum(['active', 'expired', 'exhausted'], {
      description: 'Whether it still works; a link that doesn’t answers like an unknown one.',
    }),
    hasPassword: Type.Boolean(),
    expiresAt: Nullable(Type.String({ format: 'date-time' })),
    maxDownloads: Nullable(Type.Integer()),
    downloads: Type.Integer({ description: 'Whole downloads so far (every byte of a file once is one).' }),
    maxFileBytes: Nullable(ByteCount()),
    maxFiles: Nullable(Type.Integer()),
    filesDropped: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    lastAccessAt: Nullable(Type.String({ format: 'date-time' })),
  },
  { title: 'Share' },
);

export const ShareCreated = Type.Intersect(
  [
    Share,
    Type.Object({
      token: Type.String({ description: 'Shown this once: only its hash is kept.' }),
      url: Type.String({ description: 'The page a browser opens: /s/{token} on this site.' }),
    }),
  ],
  { title: 'ShareCreated' },
);

export const ShareEvent = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    address: Type.String(),
    action: StringEnum(['view', 'unlock', 'download', 'zip', 'drop']),
    nodeId: Nullable(Type.String({ format: 'uuid' })),
    name: Nullable(Type.String()),
    bytes: Nullable(Type.Integer()),
  },
  { title: 'ShareEvent' },
);

export function toApiShare(share: ShareListing, status: Status) {
  return {
    id: share.id,
    nodeId: share.nodeId,
    nodeName: share.nodeName,
    nodeKind: share.nodeKind,
    kind: share.kind,
    status,
    hasPassword: share.passwordHash !== null,
    expiresAt: share.expiresAt?.toISOString() ?? null,
    maxDownloads: share.maxDownloads,
    downloads: Math.floor(share.downloadUnits / UNITS_PER_DOWNLOAD),
    maxFileBytes: share.maxFileBytes,
    maxFiles: share.maxFiles,
    filesDropped: share.filesDropped,
    createdAt: share.createdAt.toISOString(),
    lastAccessAt: share.lastAccessAt?.toISOString() ?? null,
  };
}

export const toApiShareEvent = (event: ShareEventRow) => ({
  at: event.at.toISOString(),
  address: event.address,
  action: event.action,
  nodeId: event.nodeId,
  name: event.name,
  bytes: event.bytes,
});
