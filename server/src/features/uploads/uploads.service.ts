import type { Readable } from 'node:stream';
import type { Deps } from '../../deps.ts';
import { newBlobKey } from '../../platform/blobs/blob-keys.ts';
import {
  BlobNotFoundError,
  PartRejectedError,
  StorageFullError,
  UploadClosedError,
} from '../../platform/blobs/blob-store.ts';
import { contentTypeFor } from '../../shared/content-types.ts';
import { isUuid } from '../../shared/ids.ts';
import { normaliseNodeName } from '../../shared/names.ts';
import { type Actor, startedBy, userActor } from '../access/access.ts';
import { storageFull } from '../files/files.errors.ts';
import type { FilesService } from '../files/files.service.ts';
import type { ConflictPolicy, NodesService } from '../nodes/nodes.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { allowInflation } from './compression-limits.ts';
import { expectedPartSize, partLayout } from './part-layout.ts';
import { createUploadCompletion } from './upload-completion.ts';
import { createUploadEndings } from './upload-endings.ts';
import {
  invalidPartNumber,
  partRejected,
  partsGoDirect,
  storedSizeMismatch,
  storedSizeRequired,
  uploadCompleted,
  uploadCompleting,
  uploadExpired,
  uploadNotFound,
} from './uploads.errors.ts';
import * as repository from './uploads.repository.ts';
import type { UploadRow } from './uploads.table.ts';

export interface NewUploadRequest {
  parentId: string;
  name: string;
  size: number;
  storedSize?: number;
  contentType?: string;
  sha256?: string;
  encoding?: 'identity' | 'gzip';
  onConflict?: ConflictPolicy;
  /** The drop link the session is started through: it is then reached through that link only. */
  shareId?: string;
}

export type UploadsService = ReturnType<typeof createUploadsService>;

export function createUploadsService(
  { database, blobs, config, clock, logger, metrics, rateLimiters }: Deps,
  nodes: NodesService,
  users: UsersService,
  files: FilesService,
) {
  const { db } = database;
  const ttlMs = config.uploads.sessionTtlSeconds * 1000;
  // A session's expiry moves only when it is this far behind now + ttl: one write a minute (or a
  // tenth of the ttl, when that is shorter) instead of one for every part of an upload.
  const keepAliveStepMs = Math.min(60_000, ttlMs / 10);

  /** The session if the actor started it: only its starter sees, resumes, completes or aborts it. */
  async function owned(actor: Actor, id: string): Promise<UploadRow> {
    const found = isUuid(id) ? await repository.findUpload(db, id) : undefined;
    const session = startedBy(actor, found);
    if (session === undefined || session.status === 'aborted') throw uploadNotFound();
    return session;
  }

  /**
   * An open session that is still within its time; using it keeps it alive, for the ttl from now
   * (give or take keepAliveStepMs).
   */
  async function open(actor: Actor, id: string): Promise<UploadRow> {
    const session = await owned(actor, id);
    if (session.status === 'completed') throw uploadCompleted();
    // Closed to parts while it is being completed: the joined file must be what was checked.
    if (session.status === 'completing') throw uploadCompleting();
    const now = clock.now();
    if (session.expiresAt <= now) throw uploadExpired();
    const expiresAt = new Date(now.getTime() + ttlMs);
    if (expiresAt.getTime() - session.expiresAt.getTime() < keepAliveStepMs) return session;
    await repository.updateUpload(db, session.id, { expiresAt });
    return { ...session, expiresAt };
  }

  /** `uploadsUrl`: where the session's own routes are, `…/api/v1/uploads` or a drop link's. */
  async function partUrls(session: UploadRow, uploadsUrl: string) {
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
        url: direct ?? `${uploadsUrl}/${session.id}/parts/${number}`,
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

  const endings = createUploadEndings({ database, blobs, clock }, nodes, users, files);
  const { abortSession } = endings;

  const complete = createUploadCompletion(
    { database, blobs, clock, logger },
    nodes,
    users,
    files,
    { owned, expectedPartSize, abortSession },
    ttlMs,
  );

  return {
    describe,
    partUrls,

    /**
     * Starts a session into a folder the actor may write in: the tree's owner (by id) or a member.
     * The session is charged to the tree's owner and is its starter's alone.
     */
    async create(by: Actor | string, request: NewUploadRequest, uploadsUrl: string) {
      const actor = typeof by === 'string' ? userActor(by) : by;
      const name = normaliseNodeName(request.name);
      const folder = await nodes.liveFolder(actor, request.parentId, 'write');
      const { ownerId } = folder;
      const onConflict = request.onConflict ?? 'fail';
      if (onConflict === 'fail') await nodes.assertNameFree(folder.id, name);
      const encoding = request.encoding ?? 'identity';
      if (encoding === 'gzip' && request.storedSize === undefined) throw storedSizeRequired();
      const storedSize = request.storedSize ?? request.size;
      if (encoding === 'identity' && storedSize !== request.size) throw storedSizeMismatch();
      if (encoding === 'gzip')
        await allowInflation(rateLimiters.inflatePerUser, actor.kind === 'user' ? actor.userId : ownerId, {
          size: request.size,
          storedSize,
        });
      const blobKey = newBlobKey();
      const storeUploadId = await blobs.multipart.create(blobKey).catch((error: unknown) => {
        throw error instanceof StorageFullError ? storageFull() : error;
      });
      let session: UploadRow;
      try {
        // Under the tree's lock, so that the folder can't be purged between the check and the insert.
        session = await nodes.inTree(
          ownerId,
          undefined,
          async (w) => {
            const { folder: parent } = await nodes.liveFolderIn(w, folder.id);
            w.storageChanged = true;
            await users.reserveStorage(w.tx, ownerId, storedSize);
            return repository.insertUpload(w.tx, {
              ownerId,
              // A session through a drop link is the link's, started by nobody with an account.
              createdBy: actor.kind === 'user' && request.shareId === undefined ? actor.userId : null,
              shareId: request.shareId ?? null,
              parentId: parent.id,
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
          },
          actor,
        );
      } catch (error) {
        await blobs.multipart.abort(blobKey, storeUploadId).catch(() => {});
        throw error;
      }
      return { ...describe(session), parts: await partUrls(session, uploadsUrl), uploadedParts: [] };
    },

    /** The session, with fresh part URLs and the parts that have arrived, to resume from. */
    async get(actor: Actor, id: string, uploadsUrl: string) {
      const found = await owned(actor, id);
      if (found.status === 'completed' || found.status === 'completing')
        return { ...describe(found), parts: [], uploadedParts: [] };
      const session = await open(actor, id);
      const arrived =
        session.partCount === 0
          ? []
          : await blobs.multipart.listParts(session.blobKey, session.storeUploadId);
      return {
        ...describe(session),
        parts: await partUrls(session, uploadsUrl),
        uploadedParts: arrived.map((part) => ({ number: part.number, size: part.size })),
      };
    },

    /** The user's unfinished sessions, into their own tree or one shared with them. */
    listOpen: (userId: string) => repository.listOpenUploadsStartedBy(db, userId),

    /** Unsettled sessions of everyone, by status: a figure for the operator. */
    countUnsettled: () => repository.countUnsettledUploads(db),

    /** A part sent through the API (stores without direct part URLs). */
    async putPart(
      actor: Actor,
      id: string,
      number: number,
      body: Readable,
      checksums: { md5?: string; sha256?: string },
    ) {
      const session = await open(actor, id);
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
        metrics.uploadedBytes.inc(part.size);
        return { number: part.number, size: part.size, etag: part.etag };
      } catch (error) {
        if (error instanceof PartRejectedError) throw partRejected(error.message);
        if (error instanceof StorageFullError) throw storageFull();
        if (error instanceof BlobNotFoundError) throw uploadExpired();
        if (error instanceof UploadClosedError) throw uploadCompleting();
        throw error;
      }
    },

    /**
     * Asks the store which parts arrived, joins them into the blob, checks it, and records the
     * file, settling the quota, in one unit of work. Completing a completed upload answers its file.
     */
    complete,

    async abort(actor: Actor, id: string) {
      const session = await owned(actor, id);
      await abortSession(session, { byClient: true });
    },

    ...endings,

    blobKeysInUse: (keys: string[]) => repository.blobKeysOfOpenUploads(db, keys),
  };
}
