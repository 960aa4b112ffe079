import type { Deps } from '../../deps.ts';
import type { Transaction } from '../../platform/database/database.ts';
import type { FilesService } from '../files/files.service.ts';
import type { NodesService, TreeWork } from '../nodes/nodes.service.ts';
import type { UsersService } from '../users/users.service.ts';
import { uploadCompleted, uploadCompleting } from './uploads.errors.ts';
import * as repository from './uploads.repository.ts';
import type { UploadRow } from './uploads.table.ts';

/**
 * How upload sessions end without a file: aborted by their starter, with the account, with the
 * link they came through, or expired. Each gives its reservation back and its parts go.
 */
export function createUploadEndings(
  { database, blobs, clock }: Pick<Deps, 'database' | 'blobs' | 'clock'>,
  nodes: NodesService,
  users: UsersService,
  files: FilesService,
) {
  const { db } = database;

  /**
   * Gives the reservation back and drops the parts; settling twice is harmless. `byClient`: its starter asked, which a completion
   * that holds its claim, or has recorded the file, refuses; decided on the locked row, since a
   * completion may have claimed the session since it was read.
   */
  async function abortSession(session: UploadRow, { byClient = false } = {}) {
    const settled = await db.transaction(async (tx) => {
      const locked = await repository.lockUpload(tx, session.id);
      if (byClient && locked?.status === 'completed') throw uploadCompleted();
      if (
        byClient &&
        locked?.status === 'completing' &&
        (locked.completingUntil ?? new Date(0)) > clock.now()
      )
        throw uploadCompleting();
      if (locked === undefined || (locked.status !== 'open' && locked.status !== 'completing')) return false;
      await users.releaseStorage(tx, session.ownerId, session.storedSize);
      await repository.updateUpload(tx, session.id, { status: 'aborted' });
      return true;
    });
    await blobs.multipart.abort(session.blobKey, session.storeUploadId);
    await users.forgetUser(session.ownerId);
    return settled;
  }

  /**
   * Inside a unit of work on the owner's tree: aborts the sessions started through a link (all
   * unsettled ones, or only those open, none being completed), releasing their reservations.
   * Answers them, for their parts to be deleted once the work has committed (`discardParts`).
   */
  async function abortThroughIn(w: TreeWork, shareId: string, only: 'unsettled' | 'open') {
    const sessions = await repository.lockOpenUploadsThrough(w.tx, shareId, only);
    for (const session of sessions) {
      await users.releaseStorage(w.tx, session.ownerId, session.storedSize);
      await repository.updateUpload(w.tx, session.id, { status: 'aborted' });
      w.storageChanged = true;
    }
    return sessions;
  }

  async function discardParts(sessions: UploadRow[]) {
    for (const session of sessions) {
      await files.discardBlob(session.blobKey);
      await blobs.multipart.abort(session.blobKey, session.storeUploadId).catch(() => {});
    }
  }

  return {
    abortSession,
    /**
     * Ends every unfinished session into the user's tree or started by them (an account being
     * disabled): parts deleted, quota released.
     */
    async abortAllOf(userId: string): Promise<number> {
      let count = 0;
      for (const session of await repository.listOpenUploadsOf(db, userId)) {
        await files.discardBlob(session.blobKey);
        if (await abortSession(session)) count += 1;
      }
      return count;
    },

    /**
     * Aborts the unfinished sessions started through a link and runs `end` (deleting the link) in
     * one unit of work on the owner's tree, so that none starts or completes in between.
     */
    async abortAllThrough(ownerId: string, shareId: string, end: (tx: Transaction) => Promise<void>) {
      const aborted = await nodes.inTree(ownerId, undefined, async (w) => {
        const sessions = await abortThroughIn(w, shareId, 'unsettled');
        await end(w.tx);
        return sessions;
      });
      await discardParts(aborted);
    },

    abortThroughIn,
    discardParts,

    /** How many sessions are past their time (what a collection would abort). */
    countExpired: async () =>
      (await repository.expiredUploadIds(db, clock.now(), Number.MAX_SAFE_INTEGER)).length,

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
  };
}
