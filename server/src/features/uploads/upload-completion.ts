import { createHash, randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Deps } from '../../deps.ts';
import {
  BlobNotFoundError,
  type PartInfo,
  PartsInFlightError,
  StorageFullError,
} from '../../platform/blobs/blob-store.ts';
import { AppError } from '../../shared/errors.ts';
import { type Actor, userActor } from '../access/access.ts';
import { storageFull } from '../files/files.errors.ts';
import type { FilesService } from '../files/files.service.ts';
import { folderNotFound } from '../nodes/nodes.errors.ts';
import type { NodesService, RecordedFile, TreeWork } from '../nodes/nodes.service.ts';
import type { NodeRow } from '../nodes/nodes.table.ts';
import type { UsersService } from '../users/users.service.ts';
import {
  commitFailed,
  contentMismatch,
  missingParts,
  partsInFlight,
  sha256Differs,
  sha256Unverified,
  uploadCompleting,
  uploadExpired,
  uploadNotFound,
  wrongPartSizes,
} from './uploads.errors.ts';
import * as repository from './uploads.repository.ts';
import type { UploadRow } from './uploads.table.ts';

/** How long a completion's claim holds without being renewed; a completer renews it as it works. */
const CLAIM_MS = 60_000;
const RENEW_EVERY_MS = CLAIM_MS / 3;

export interface CompletionHelpers {
  owned(actor: Actor, id: string): Promise<UploadRow>;
  expectedPartSize(session: UploadRow, number: number): number;
  /** Gives the reservation back and drops the parts. */
  abortSession(session: UploadRow): Promise<boolean>;
}

export interface CompletionOptions {
  /** More for the unit of work that records the file to do, deciding with it (a drop counting its files). */
  alsoInWork?: (w: TreeWork, recorded: RecordedFile) => Promise<void>;
  /** The file's hex SHA-256, if the session did not declare one when it started: checked the same. */
  sha256?: string | undefined;
}

/**
 * Completing an upload session, in four steps that each undo what they did when a later one fails:
 * claim the session (no more parts, no second completer), check the parts, join and check the
 * content, record the file in one unit of work with the quota settled.
 */
export function createUploadCompletion(
  { database, blobs, clock, logger }: Pick<Deps, 'database' | 'blobs' | 'clock' | 'logger'>,
  nodes: NodesService,
  users: UsersService,
  files: FilesService,
  helpers: CompletionHelpers,
  ttlMs: number,
) {
  const { db } = database;

  /**
   * Takes the claim, or says why not: completed (answer its file), being completed, gone. A SHA-256
   * given now that differs from the one declared, or verified by the completion, changes nothing.
   */
  async function claim(actor: Actor, id: string, completionId: string, given: string | undefined) {
    const found = agreeing(await helpers.owned(actor, id), given);
    if (found.status === 'completed') return { done: found };
    const now = clock.now();
    if (found.status === 'open' && found.expiresAt <= now) throw uploadExpired();
    const claimed = await repository.claimCompletion(db, id, {
      completionId,
      now,
      until: new Date(now.getTime() + CLAIM_MS),
      expiresAt: new Date(now.getTime() + ttlMs),
    });
    if (claimed !== undefined) return { claimed };
    const again = agreeing(await helpers.owned(actor, id), given);
    if (again.status === 'completed') return { done: again };
    throw uploadCompleting();
  }

  /**
   * The session, if the SHA-256 given at completion may be what it becomes. A completed session
   * holds the SHA-256 its completion verified, none when the store joined the parts unread.
   */
  function agreeing(session: UploadRow, given: string | undefined): UploadRow {
    if (given === undefined || given === session.sha256) return session;
    if (session.sha256 !== null) throw sha256Differs();
    if (session.status === 'completed') throw sha256Unverified();
    return session;
  }

  /** The parts to join, in order; a missing or wrongly sized one is the client's to send again. */
  async function partsToJoin(session: UploadRow): Promise<PartInfo[]> {
    if (session.partCount === 0) return [];
    let arrived: PartInfo[];
    try {
      arrived = await blobs.multipart.listParts(session.blobKey, session.storeUploadId);
    } catch (error) {
      if (error instanceof BlobNotFoundError) throw uploadExpired();
      throw error;
    }
    const byNumber = new Map(arrived.map((part) => [part.number, part]));
    const wanted = Array.from({ length: session.partCount }, (_, i) => i + 1);
    const missing = wanted.filter((number) => !byNumber.has(number));
    if (missing.length > 0) throw missingParts(missing);
    const wrong = wanted
      .map((number) => ({
        number,
        size: byNumber.get(number)?.size ?? 0,
        expected: helpers.expectedPartSize(session, number),
      }))
      .filter((part) => part.size !== part.expected);
    if (wrong.length > 0) throw wrongPartSizes(wrong);
    return wanted.map((number) => byNumber.get(number) as PartInfo);
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

  /** Joins the parts into the blob; answers its SHA-256 when the store already knows it. */
  async function joinParts(session: UploadRow, parts: PartInfo[]): Promise<string | undefined> {
    if (session.partCount === 0) {
      await blobs.put(session.blobKey, Readable.from([]));
      return undefined;
    }
    return (await blobs.multipart.complete(session.blobKey, session.storeUploadId, parts)).sha256;
  }

  /** The SHA-256 to record for the joined blob, checked against what was declared. */
  async function checkContent(session: UploadRow, joinedSha256: string | undefined): Promise<string | null> {
    // The server reads the blob back when it passed through it anyway, or when there is
    // something to check: a declared SHA-256, or a gzip stream that must inflate to the declared size.
    if (blobs.multipart.direct && session.sha256 === null && session.encoding !== 'gzip') return null;
    // Stored as sent, the joined blob is the content; gzip must be inflated to be checked.
    const content =
      session.encoding === 'identity' && joinedSha256 !== undefined
        ? { size: session.storedSize, sha256: joinedSha256 }
        : await inspect(session);
    if (content.size !== session.size) {
      throw contentMismatch(`The content is ${content.size} bytes, not the declared ${session.size}.`);
    }
    if (session.sha256 !== null && content.sha256 !== session.sha256) {
      throw contentMismatch('The content does not match the declared SHA-256.');
    }
    return content.sha256;
  }

  /**
   * Records the file, turning the reservation into the charge, if this completion still holds its
   * claim and its starter may still write into the folder.
   */
  async function record(
    actor: Actor,
    session: UploadRow,
    completionId: string,
    sha256: string | null,
    options: CompletionOptions,
  ): Promise<RecordedFile> {
    const recording = async (w: TreeWork) => {
      const locked = await repository.lockUpload(w.tx, session.id);
      if (locked?.status !== 'completing' || locked.completionId !== completionId) throw claimLost();
      // The folder as the locked row has it: purged while the parts were joined, it is null.
      if (locked.parentId === null) throw folderNotFound();
      await users.releaseStorage(w.tx, session.ownerId, session.storedSize);
      const result = await nodes.recordFile(w, locked.parentId, session.name, session.onConflict, {
        blobKey: session.blobKey,
        size: session.size,
        storedSize: session.storedSize,
        sha256,
        contentType: session.contentType,
        encoding: session.encoding,
      });
      await options.alsoInWork?.(w, result);
      // With the SHA-256 verified, which a later completion giving one is held to.
      await repository.updateUpload(w.tx, session.id, {
        status: 'completed',
        nodeId: result.node.id,
        sha256,
      });
      return result;
    };
    return nodes.inTree(session.ownerId, session.name, recording, asRecorder(actor, session));
  }

  /** Whether this completion still holds the session, so that what it undoes is its own. */
  async function stillClaimed(id: string, completionId: string) {
    const row = await repository.findUpload(db, id);
    return row?.status === 'completing' && row.completionId === completionId;
  }

  return async function complete(
    actor: Actor,
    id: string,
    options: CompletionOptions = {},
  ): Promise<{ node: NodeRow; created: boolean }> {
    const completionId = randomUUID();
    const given = options.sha256?.toLowerCase();
    const outcome = await claim(actor, id, completionId, given);
    if (outcome.done !== undefined) {
      if (outcome.done.nodeId === null) throw uploadNotFound();
      return {
        node: await nodes.getNode(asRecorder(actor, outcome.done), outcome.done.nodeId),
        created: false,
      };
    }
    // Checked and recorded as if it had been declared at the start.
    const session = given === undefined ? outcome.claimed : { ...outcome.claimed, sha256: given };
    if (session.parentId === null) {
      await helpers.abortSession(session);
      throw new AppError(
        404,
        'not_found',
        'The folder this upload was going into is gone; the upload was discarded.',
      );
    }
    const renewing = setInterval(() => {
      repository
        .renewClaim(db, id, completionId, new Date(clock.now().getTime() + CLAIM_MS))
        .catch((error) =>
          logger.warn({ err: error, uploadId: id }, 'could not renew an upload completion claim'),
        );
    }, RENEW_EVERY_MS);
    try {
      let parts: PartInfo[];
      try {
        parts = await partsToJoin(session);
      } catch (error) {
        // Nothing joined yet: the client sends what is missing and completes again.
        await repository.releaseClaim(db, id, completionId);
        throw error;
      }
      let joinedSha256: string | undefined;
      try {
        joinedSha256 = await joinParts(session, parts);
      } catch (error) {
        // The store kept the parts; completing can be tried again.
        await repository.releaseClaim(db, id, completionId);
        if (error instanceof PartsInFlightError) throw partsInFlight();
        if (error instanceof StorageFullError) throw storageFull();
        // The store's upload is gone: the session expired, or its claim did and it was aborted.
        if (error instanceof BlobNotFoundError) throw uploadExpired();
        throw error;
      }
      let sha256: string | null;
      try {
        sha256 = await checkContent(session, joinedSha256);
      } catch (error) {
        if (await stillClaimed(id, completionId)) {
          await files.discardBlob(session.blobKey);
          if (error instanceof AppError) await helpers.abortSession(session);
          else await reopen(session, completionId);
        }
        throw error;
      }
      let result: RecordedFile;
      try {
        result = await record(actor, session, completionId, sha256, options);
      } catch (error) {
        // Blob first, metadata last: without its row the blob goes, unless a later completer owns it now.
        if (error instanceof ClaimLostError || !(await stillClaimed(id, completionId)))
          throw uploadCompleting();
        await files.discardBlob(session.blobKey);
        await reopen(session, completionId);
        if (error instanceof AppError) throw error;
        logger.error({ err: error, uploadId: session.id }, 'recording a completed upload failed');
        throw commitFailed();
      }
      if (result.replacedBlobKey !== undefined) await files.discardBlob(result.replacedBlobKey);
      await blobs.multipart.abort(session.blobKey, session.storeUploadId).catch(() => {});
      return { node: result.node, created: result.created };
    } finally {
      clearInterval(renewing);
    }
  };

  /**
   * Opens the session again so that completing can be tried again. The local directory keeps the
   * parts until abort; S3 consumed them, so a fresh multipart upload takes them again.
   */
  async function reopen(session: UploadRow, completionId: string) {
    const storeUploadId = blobs.multipart.direct ? await blobs.multipart.create(session.blobKey) : undefined;
    await repository.releaseClaim(
      db,
      session.id,
      completionId,
      storeUploadId === undefined ? {} : { storeUploadId },
    );
  }
}

/**
 * Who records the file: the session's starter, or for a session through a drop link its owner. A
 * dropper may only add files, which opening the link decided; the file it adds is the owner's.
 */
function asRecorder(actor: Actor, session: UploadRow): Actor {
  return actor.kind === 'link' ? userActor(session.ownerId) : actor;
}

class ClaimLostError extends Error {
  constructor() {
    super('another request completed the upload meanwhile');
    this.name = 'ClaimLostError';
  }
}
const claimLost = () => new ClaimLostError();
