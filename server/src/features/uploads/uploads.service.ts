import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Deps } from '../../deps.ts';
import { newBlobKey } from '../../platform/blobs/blob-keys.ts';
import {
  BlobNotFoundError,
  type PartInfo,
  PartRejectedError,
  StorageFullError,
} from '../../platform/blobs/blob-store.ts';
import { contentTypeFor } from '../../shared/content-types.ts';
import { AppError } from '../../shared/errors.ts';
import { normaliseNodeName } from '../../shared/names.ts';
import { storageFull } from '../files/files.errors.ts';
import type { FilesService } from '../files/files.service.ts';
import type { ConflictPolicy, NodesService } from '../nodes/nodes.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { allowInflation } from './compression-limits.ts';
import {
  commitFailed,
  contentMismatch,
  invalidPartNumber,
  missingParts,
  partRejected,
  partsGoDirect,
  storedSizeMismatch,
  storedSizeRequired,
  uploadCompleted,
  uploadExpired,
  uploadNotFound,
  wrongPartSizes,
} from './uploads.errors.ts';
import * as repository from './uploads.repository.ts';
import type { UploadRow } from './uploads.table.ts';

const MIB = 1024 * 1024;
/** S3 needs at least 5 MiB in every part but the last; 8 MiB keeps request counts low. */
const MIN_PART_SIZE = 8 * MIB;
const MAX_PARTS = 10_000;
// Every part costs a request, a flush and, in a browser, a round of IPC; every part in flight is
// progress lost when a connection breaks. Up to 4 GiB a file gets about 64 parts; beyond that
// parts stay at 64 MiB until S3's 10,000-part limit makes them larger.
const PREFERRED_PARTS = 64;
const PREFERRED_MAX_PART_SIZE = 64 * MIB;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewUploadRequest {
  parentId: string;
  name: string;
  size: number;
  storedSize?: number;
  contentType?: string;
  sha256?: string;
  encoding?: 'identity' | 'gzip';
  onConflict?: ConflictPolicy;
}

/**
 * Part size and count for a blob of `storedSize` bytes: whole MiB, at least 8 MiB, about 64 parts
 * while they fit in 64 MiB, never more than 10,000 parts.
 */
export function partLayout(storedSize: number): { partSize: number; partCount: number } {
  const wholeMiB = (bytes: number) => Math.ceil(bytes / MIB) * MIB;
  const partSize = Math.max(
    MIN_PART_SIZE,
    Math.min(PREFERRED_MAX_PART_SIZE, wholeMiB(storedSize / PREFERRED_PARTS)),
    wholeMiB(storedSize / MAX_PARTS),
  );
  return { partSize, partCount: Math.ceil(storedSize / partSize) };
}

/** How many bytes part `number` (1-based) of the session must have. */
export function expectedPartSize(
  session: Pick<UploadRow, 'partSize' | 'partCount' | 'storedSize'>,
  number: number,
) {
  return number < session.partCount
    ? session.partSize
    : session.storedSize - session.partSize * (session.partCount - 1);
}

export type UploadsService = ReturnType<typeof createUploadsService>;

export function createUploadsService(
  { database, blobs, config, clock, logger, rateLimiters }: Deps,
  nodes: NodesService,
  users: UsersService,
  files: FilesService,
) {
  const { db } = database;
  const ttlMs = config.uploads.sessionTtlSeconds * 1000;

  async function owned(ownerId: string, id: string): Promise<UploadRow> {
    const session = UUID.test(id) ? await repository.findUpload(db, id) : undefined;
    if (session === undefined || session.ownerId !== ownerId || session.status === 'aborted')
      throw uploadNotFound();
    return session;
  }

  /** An open session that is still within its time; using it keeps it alive. */
  async function open(ownerId: string, id: string): Promise<UploadRow> {
    const session = await owned(ownerId, id);
    if (session.status === 'completed') throw uploadCompleted();
    const now = clock.now();
    if (session.expiresAt <= now) throw uploadExpired();
    const expiresAt = new Date(now.getTime() + ttlMs);
    await repository.updateUpload(db, session.id, { expiresAt });
    return { ...session, expiresAt };
  }

  async function partUrls(session: UploadRow, apiOrigin: string) {
    const parts = [];
    for (let number = 1; number <= session.partCount; number++) {
      const size = expectedPartSize(session, number);
      const direct = await blobs.multipart.partUrl(
        session.blobKey,
        session.storeUploadId,
        { number, size },
        config.uploads.partUrlTtlSeconds,
      );
      parts.push({
        number,
        size,
        url: direct ?? `${apiOrigin}/api/v1/uploads/${session.id}/parts/${number}`,
      });
    }
    return parts;
  }

  function describe(session: UploadRow) {
    return {
      id: session.id,
      parentId: session.parentId,
      name: session.name,
      size: session.size,
      storedSize: session.storedSize,
      encoding: session.encoding,
      contentType: session.contentType,
      sha256: session.sha256,
      onConflict: session.onConflict,
      partSize: session.partSize,
      partCount: session.partCount,
      status: session.status,
      nodeId: session.nodeId,
      createdAt: session.createdAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      partsNeedCredentials: !blobs.multipart.direct,
    };
  }

  /** Gives the session's reservation back and drops its parts; settling twice is harmless. */
  async function abortSession(session: UploadRow) {
    const settled = await db.transaction(async (tx) => {
      const locked = await repository.lockUpload(tx, session.id);
      if (locked === undefined || locked.status !== 'open') return false;
      await users.releaseStorage(tx, session.ownerId, session.storedSize);
      await repository.updateUpload(tx, session.id, { status: 'aborted' });
      return true;
    });
    await blobs.multipart.abort(session.blobKey, session.storeUploadId);
    await users.forgetUser(session.ownerId);
    return settled;
  }

  /** Reads the assembled blob back: its size as the user sees it, and its SHA-256; a gzip bomb stops at the declared size. */
  async function inspect(session: UploadRow): Promise<{ size: number; sha256: string }> {
    const hash = createHash('sha256');
    let size = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > session.size) {
          callback(new AppError(422, 'content_mismatch', 'The content is larger than the declared size.'));
          return;
        }
        hash.update(chunk);
        callback();
      },
    });
    // Copied through the store's reused buffers: a stream of fresh 1 MiB buffers costs the
    // garbage collector more than the hashing.
    const stored = await blobs.open(session.blobKey);
    try {
      const gunzip = session.encoding === 'gzip' ? createGunzip() : undefined;
      const done = gunzip === undefined ? finished(sink) : pipeline(gunzip, sink);
      const destination = gunzip ?? sink;
      // Awaited below; until then a failure must not count as unhandled.
      done.catch(() => {});
      await stored.to(destination).then(
        () => destination.end(),
        (error) => destination.destroy(error),
      );
      await done;
    } catch (error) {
      if (error instanceof AppError) throw contentMismatch(error.message);
      if ((error as { code?: string }).code?.startsWith('Z_'))
        throw contentMismatch('The content is not valid gzip.');
      throw error;
    }
    return { size, sha256: hash.digest('hex') };
  }

  return {
    describe,
    partUrls,

    async create(ownerId: string, request: NewUploadRequest, apiOrigin: string) {
      const name = normaliseNodeName(request.name);
      const folder = await nodes.liveFolder(ownerId, request.parentId);
      const onConflict = request.onConflict ?? 'fail';
      if (onConflict === 'fail') await nodes.assertNameFree(folder.id, name);
      const encoding = request.encoding ?? 'identity';
      if (encoding === 'gzip' && request.storedSize === undefined) throw storedSizeRequired();
      const storedSize = request.storedSize ?? request.size;
      if (encoding === 'identity' && storedSize !== request.size) throw storedSizeMismatch();
      if (encoding === 'gzip')
        await allowInflation(rateLimiters.inflatePerUser, ownerId, { size: request.size, storedSize });
      const blobKey = newBlobKey();
      const storeUploadId = await blobs.multipart.create(blobKey);
      let session: UploadRow;
      try {
        session = await db.transaction(async (tx) => {
          await users.reserveStorage(tx, ownerId, storedSize);
          return repository.insertUpload(tx, {
            ownerId,
            parentId: folder.id,
            name,
            onConflict,
            size: request.size,
            storedSize,
            contentType: contentTypeFor(name, request.contentType),
            encoding,
            sha256: request.sha256?.toLowerCase() ?? null,
            ...partLayout(storedSize),
            blobKey,
            storeUploadId,
            expiresAt: new Date(clock.now().getTime() + ttlMs),
          });
        });
      } catch (error) {
        await blobs.multipart.abort(blobKey, storeUploadId).catch(() => {});
        throw error;
      }
      await users.forgetUser(ownerId);
      return { ...describe(session), parts: await partUrls(session, apiOrigin), uploadedParts: [] };
    },

    /** The session, with fresh part URLs and the parts that have arrived, to resume from. */
    async get(ownerId: string, id: string, apiOrigin: string) {
      const found = await owned(ownerId, id);
      if (found.status === 'completed') return { ...describe(found), parts: [], uploadedParts: [] };
      const session = await open(ownerId, id);
      const arrived =
        session.partCount === 0
          ? []
          : await blobs.multipart.listParts(session.blobKey, session.storeUploadId);
      return {
        ...describe(session),
        parts: await partUrls(session, apiOrigin),
        uploadedParts: arrived.map((part) => ({ number: part.number, size: part.size })),
      };
    },

    listOpen: (ownerId: string) => repository.listOpenUploads(db, ownerId),

    /** A part sent through the API (stores without direct part URLs). */
    async putPart(
      ownerId: string,
      id: string,
      number: number,
      body: Readable,
      checksums: { md5?: string; sha256?: string },
    ) {
      const session = await open(ownerId, id);
      if (blobs.multipart.direct) throw partsGoDirect();
      if (number < 1 || number > session.partCount) throw invalidPartNumber(session.partCount);
      try {
        const part = await blobs.multipart.putPart(
          session.blobKey,
          session.storeUploadId,
          number,
          body,
          { size: expectedPartSize(session, number), offset: (number - 1) * session.partSize, ...checksums },
          // The request body is the store's alone.
          { releaseChunks: true },
        );
        return { number: part.number, size: part.size, etag: part.etag };
      } catch (error) {
        if (error instanceof PartRejectedError) throw partRejected(error.message);
        if (error instanceof StorageFullError) throw storageFull();
        if (error instanceof BlobNotFoundError) throw uploadExpired();
        throw error;
      }
    },

    /**
     * Asks the store which parts arrived, joins them into the blob, checks it, and records the
     * file, settling the quota, in one transaction. Completing a completed upload answers its file.
     */
    async complete(ownerId: string, id: string) {
      const found = await owned(ownerId, id);
      if (found.status === 'completed' && found.nodeId !== null) {
        return { node: await nodes.getNode(ownerId, found.nodeId), created: false };
      }
      const session = await open(ownerId, id);
      if (session.parentId === null) {
        await abortSession(session);
        throw new AppError(
          404,
          'not_found',
          'The folder this upload was going into is gone; the upload was discarded.',
        );
      }
      let arrived: PartInfo[] = [];
      if (session.partCount > 0) {
        try {
          arrived = await blobs.multipart.listParts(session.blobKey, session.storeUploadId);
        } catch (error) {
          if (error instanceof BlobNotFoundError) throw uploadExpired();
          throw error;
        }
      }
      const byNumber = new Map(arrived.map((part) => [part.number, part]));
      const wanted = Array.from({ length: session.partCount }, (_, i) => i + 1);
      const missing = wanted.filter((number) => !byNumber.has(number));
      if (missing.length > 0) throw missingParts(missing);
      const wrong = wanted
        .map((number) => ({
          number,
          size: byNumber.get(number)?.size ?? 0,
          expected: expectedPartSize(session, number),
        }))
        .filter((part) => part.size !== part.expected);
      if (wrong.length > 0) throw wrongPartSizes(wrong);

      // The store may know the SHA-256 of what it joined (taken as the parts came through the API).
      let joinedSha256: string | undefined;
      if (session.partCount === 0) await blobs.put(session.blobKey, Readable.from([]));
      else {
        const parts = wanted.map((number) => byNumber.get(number) as PartInfo);
        ({ sha256: joinedSha256 } = await blobs.multipart.complete(
          session.blobKey,
          session.storeUploadId,
          parts,
        ));
      }

      // The server reads the blob back when it passed through it anyway, or when there is
      // something to check: a declared SHA-256, or a gzip stream that must inflate to the declared size.
      let sha256 = session.sha256;
      if (!blobs.multipart.direct || sha256 !== null || session.encoding === 'gzip') {
        try {
          // Stored as sent, the joined blob is the content; gzip must be inflated to be checked.
          const content =
            session.encoding === 'identity' && joinedSha256 !== undefined
              ? { size: session.storedSize, sha256: joinedSha256 }
              : await inspect(session);
          if (content.size !== session.size) {
            throw contentMismatch(`The content is ${content.size} bytes, not the declared ${session.size}.`);
          }
          if (sha256 !== null && content.sha256 !== sha256) {
            throw contentMismatch('The content does not match the declared SHA-256.');
          }
          sha256 = content.sha256;
        } catch (error) {
          await files.discardBlob(session.blobKey);
          if (error instanceof AppError) await abortSession(session);
          throw error;
        }
      }

      let result: Awaited<ReturnType<NodesService['commitFile']>>;
      try {
        result = await nodes.commitFile(
          ownerId,
          session.parentId,
          session.name,
          session.onConflict,
          {
            blobKey: session.blobKey,
            size: session.size,
            storedSize: session.storedSize,
            sha256,
            contentType: session.contentType,
            encoding: session.encoding,
          },
          {
            // The reservation turns into the charge in the same transaction.
            before: async (tx) => {
              const locked = await repository.lockUpload(tx, session.id);
              if (locked?.status !== 'open') throw uploadCompleted();
              await users.releaseStorage(tx, ownerId, session.storedSize);
            },
            after: (tx, node) =>
              repository.updateUpload(tx, session.id, { status: 'completed', nodeId: node.id }),
          },
        );
      } catch (error) {
        // Blob first, metadata last: without its row the blob goes.
        await files.discardBlob(session.blobKey);
        if (blobs.multipart.direct) {
          // The store consumed the parts; a fresh multipart upload lets the client send them again.
          const storeUploadId = await blobs.multipart.create(session.blobKey);
          await repository.updateUpload(db, session.id, { storeUploadId });
        }
        if (error instanceof AppError) throw error;
        logger.error({ err: error, uploadId: session.id }, 'recording a completed upload failed');
        throw commitFailed();
      }
      await users.forgetUser(ownerId);
      if (result.replacedBlobKey !== undefined) await files.discardBlob(result.replacedBlobKey);
      await blobs.multipart.abort(session.blobKey, session.storeUploadId).catch(() => {});
      return { node: result.node, created: result.created };
    },

    async abort(ownerId: string, id: string) {
      const session = await owned(ownerId, id);
      if (session.status === 'completed') throw uploadCompleted();
      await abortSession(session);
    },

    /** Aborts sessions past their time: parts deleted, multipart uploads aborted, quota released. */
    async expireSessions(): Promise<number> {
      let count = 0;
      for (;;) {
        const ids = await repository.expiredUploadIds(db, clock.now(), 100);
        if (ids.length === 0) return count;
        for (const id of ids) {
          const session = await repository.findUpload(db, id);
          if (session === undefined) continue;
          await files.discardBlob(session.blobKey);
          if (await abortSession(session)) count += 1;
        }
      }
    },

    blobKeysInUse: (keys: string[]) => repository.blobKeysOfOpenUploads(db, keys),
  };
}
