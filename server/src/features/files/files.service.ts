import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Deps } from '../../deps.ts';
import { newBlobKey } from '../../platform/blobs/blob-keys.ts';
import { type ByteRange, StorageFullError } from '../../platform/blobs/blob-store.ts';
import { CommitOutcomeUnknownError } from '../../platform/database/database.ts';
import { contentTypeFor } from '../../shared/content-types.ts';
import { AppError } from '../../shared/errors.ts';
import { normaliseNodeName } from '../../shared/names.ts';
import { DigestCounter, TooManyBytesError } from '../../shared/streams.ts';
import { type Actor, userActor } from '../access/access.ts';
import type {
  ConflictPolicy,
  NodesService,
  RecordedFile,
  TreeWork,
  WorkGuard,
} from '../nodes/nodes.service.ts';
import type { NodeRow } from '../nodes/nodes.table.ts';
import { quotaExceeded } from '../users/users.errors.ts';
import type { UsersService } from '../users/users.service.ts';
import { checksumMismatch, sizeMismatch, storageFull, uploadInterrupted } from './files.errors.ts';

/** Who uploads: the tree's owner by id, or any actor (a member), decided on inside the unit of work. */
type Uploader = { ownerId: string; actor?: undefined } | { actor: Actor; ownerId?: undefined };

export type SimpleUpload = Uploader & {
  folderId: string;
  /**
   * The folder `folderId` names when the caller has just reached it, live and the actor's to write
   * in (WebDAV's path walk): the first look is not made again. The unit of work decides either way.
   */
  reachedFolder?: NodeRow;
  name: string;
  onConflict: ConflictPolicy;
  /** The request body: nothing else reads its chunks, so the store may free them as it writes. */
  body: Readable;
  /** The size the client announced (Content-Length), if it did. */
  declaredSize: number | undefined;
  declaredSha256: string | undefined;
  contentType: string | undefined;
  /** Asked before committing: a client that went away never gets a file it can't know was stored. */
  clientConnected: () => boolean;
  /** A bound on the file's size besides the quota (a drop's), and what refusing a larger file says. */
  sizeLimit?: { bytes: number; exceeded: () => AppError };
  /** The modification time to give the file (a client's, kept as it sent it); now otherwise. */
  modifiedAt?: Date;
  /** Asked first in the unit of work that records the file, deciding with it (WebDAV's locks). */
  guard?: WorkGuard;
  /** More for the unit of work that records the file to do, deciding with it (a drop counting its files). */
  alsoInWork?: (w: TreeWork, recorded: RecordedFile) => Promise<void>;
};

export type FilesService = ReturnType<typeof createFilesService>;

export function createFilesService(
  { blobs, logger, metrics }: Pick<Deps, 'blobs' | 'logger' | 'metrics'>,
  nodes: NodesService,
  users: UsersService,
) {
  /** Deletes a blob nobody will point at; a failure is left to the garbage collector. */
  async function discardBlob(key: string) {
    await blobs
      .delete(key)
      .catch((error) => logger.warn({ err: error, blobKey: key }, 'could not delete a blob'));
  }

  /** Deletes a trashed node for good: the rows first, then the blobs no row points at any more. */
  async function purge(ownerId: string, nodeId: string) {
    const blobKeys = await nodes.purge(ownerId, nodeId);
    await Promise.all(blobKeys.map(discardBlob));
  }

  return {
    discardBlob,
    purge,

    /** A file's stored bytes (or a range of them), opened for copying to a response. */
    openBlob: (key: string, range?: ByteRange) => blobs.open(key, range),
    /** A file's stored bytes as a stream. */
    readBlob: (key: string) => blobs.get(key),

    async emptyTrash(ownerId: string) {
      for (const id of await nodes.trashedIds(ownerId)) {
        try {
          await purge(ownerId, id);
        } catch (error) {
          // Already gone with a trashed folder above it.
          if (!(error instanceof AppError && error.status === 404)) throw error;
        }
      }
    },

    /**
     * The simple upload: the body is streamed into a new blob while its size and SHA-256 are
     * taken; only when it is complete, checked and the client is still there is the node written.
     * Any failure before that leaves no node and no blob.
     */
    async upload(request: SimpleUpload) {
      const actor = request.actor === undefined ? userActor(request.ownerId) : request.actor;
      const name = normaliseNodeName(request.name);
      const folder =
        request.reachedFolder?.id === request.folderId
          ? request.reachedFolder
          : await nodes.liveFolder(actor, request.folderId, 'write');
      if (request.onConflict === 'fail') await nodes.assertNameFree(folder.id, name);
      // Refused before the body is read when it says it won't fit in the tree owner's quota; cut off as soon as it doesn't.
      const { sizeLimit } = request;
      if (
        sizeLimit !== undefined &&
        request.declaredSize !== undefined &&
        request.declaredSize > sizeLimit.bytes
      )
        throw sizeLimit.exceeded();
      const room = await users.roomLeft(folder.ownerId);
      if (request.declaredSize !== undefined && request.declaredSize > room) throw quotaExceeded();
      const blobKey = newBlobKey();
      // Counted here; hashed by the store, where that costs the server least.
      const counter = new DigestCounter(
        Math.min(
          request.declaredSize ?? Number.POSITIVE_INFINITY,
          room,
          sizeLimit?.bytes ?? Number.POSITIVE_INFINITY,
        ),
      );
      // Wait for both sides, so that a failed body never races a store still finishing its write.
      const [read, stored] = await Promise.allSettled([
        pipeline(request.body, counter),
        blobs.put(blobKey, counter, { releaseChunks: true, sha256: true }),
      ]);
      metrics.uploadedBytes.inc(counter.bytes);
      // A store that ran out of room fails the body too; the store's reason is the one to tell.
      const storeError = stored.status === 'rejected' ? stored.reason : undefined;
      const readError = read.status === 'rejected' ? read.reason : undefined;
      const error = storeError instanceof StorageFullError ? storeError : (readError ?? storeError);
      if (error !== undefined) {
        await discardBlob(blobKey);
        if (error instanceof StorageFullError) throw storageFull();
        if (error instanceof TooManyBytesError) {
          if (request.declaredSize !== undefined) throw sizeMismatch(request.declaredSize, counter.bytes);
          throw error.limit === sizeLimit?.bytes ? sizeLimit.exceeded() : quotaExceeded();
        }
        if (!request.clientConnected()) throw uploadInterrupted();
        throw error;
      }
      const sha256 = stored.status === 'fulfilled' ? stored.value.sha256 : undefined;
      const failure =
        sha256 === undefined
          ? new Error('the blob store did not answer the SHA-256 it was asked for')
          : request.declaredSize !== undefined && counter.bytes !== request.declaredSize
            ? sizeMismatch(request.declaredSize, counter.bytes)
            : request.declaredSha256 !== undefined && request.declaredSha256 !== sha256
              ? checksumMismatch()
              : !request.clientConnected()
                ? uploadInterrupted()
                : undefined;
      if (failure !== undefined || sha256 === undefined) {
        await discardBlob(blobKey);
        throw failure;
      }
      try {
        const content = {
          blobKey,
          size: counter.bytes,
          storedSize: counter.bytes,
          sha256,
          contentType: contentTypeFor(name, request.contentType),
          encoding: 'identity' as const,
          updatedAt: request.modifiedAt,
        };
        const result = await nodes.inTree(
          folder.ownerId,
          name,
          async (w) => {
            await request.guard?.(w);
            const recorded = await nodes.recordFile(w, folder.id, name, request.onConflict, content);
            await request.alsoInWork?.(w, recorded);
            return recorded;
          },
          actor,
        );
        if (result.replacedBlobKey !== undefined) await discardBlob(result.replacedBlobKey);
        return result;
      } catch (error) {
        // The rollback of blob-first, metadata-last: no row points at this blob, so it goes. Unless
        // the database went away at the commit: the row may be there, and the garbage collector
        // takes the blob later if no row points at it.
        if (!(error instanceof CommitOutcomeUnknownError)) await discardBlob(blobKey);
        throw error;
      }
    },
  };
}
