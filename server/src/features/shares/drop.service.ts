import type { Readable } from 'node:stream';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { normaliseNodeName } from '../../shared/names.ts';
import { databaseFacts } from '../access/access.facts.ts';
import { permits, roleOn } from '../access/access.ts';
import type { FileBody } from '../files/file-bodies.ts';
import type { FilesService } from '../files/files.service.ts';
import type { RecordedFile, TreeWork } from '../nodes/nodes.service.ts';
import type { NodeRow } from '../nodes/nodes.table.ts';
import type { CompletionOptions } from '../uploads/upload-completion.ts';
import type { NewUploadRequest, UploadsService } from '../uploads/uploads.service.ts';
import type { UploadRow } from '../uploads/uploads.table.ts';
import { countDroppedFile } from './drop.repository.ts';
import { dropFull, fileTooLarge, shareNotFound } from './shares.errors.ts';
import { insertEvent } from './shares.repository.ts';
import type { LiveLink, SharesService } from './shares.service.ts';

/** A file as the drop's request brings it. */
export type DroppedBody = FileBody & { name: string };

export type NewDropUpload = Pick<NewUploadRequest, 'name' | 'size' | 'sha256' | 'contentType'>;

/** What a dropper may say when completing: the file's SHA-256, checked as the owner's would be. */
export type CompletionDigest = Pick<CompletionOptions, 'sha256'>;

export type DropService = ReturnType<typeof createDropService>;

/**
 * File drops: anyone holding a drop link adds files to its folder, as the owner's files charged to
 * the owner's quota, and learns nothing of what is there. Each file is counted against the drop's
 * `maxFiles` and logged in the unit of work that records it.
 */
export function createDropService(
  { database, clock }: Pick<Deps, 'database' | 'clock'>,
  files: FilesService,
  uploads: UploadsService,
  shares: SharesService,
) {
  const { db } = database;

  /** The folder the link drops into; a link that doesn't take drops is, to its holder, no link. */
  async function dropFolder(link: LiveLink): Promise<NodeRow> {
    const role = await roleOn(link.actor, link.node, databaseFacts(db));
    if (link.node.kind !== 'folder' || permits(role, 'drop') !== 'allowed') throw shareNotFound();
    return link.node;
  }

  function checkSize(link: LiveLink, size: number) {
    const max = link.share.maxFileBytes;
    if (max !== null && size > max) throw fileTooLarge(max);
  }

  /**
   * Counts the file against the drop and logs who dropped it, deciding with the unit of work that
   * records it. When it was the drop's last file, the link is dead from now on, so the sessions
   * still open through it (which nobody can complete or abort any more) are aborted with it, their
   * reservations released; `spentSessions` gets them, for their parts to go once it committed.
   */
  const countAndLog =
    (link: LiveLink, address: string, spentSessions: UploadRow[]) =>
    async (w: TreeWork, recorded: RecordedFile) => {
      const { counted, spent } = await countDroppedFile(w.tx, link.share.id, clock.now());
      if (!counted) throw shareNotFound();
      if (spent) spentSessions.push(...(await uploads.abortThroughIn(w, link.share.id, 'open')));
      await insertEvent(w.tx, {
        shareId: link.share.id,
        address,
        action: 'drop',
        nodeId: recorded.node.id,
        name: recorded.node.name,
        bytes: recorded.node.size,
        at: clock.now(),
      });
    };

  /** What a dropper is told: the owner's full quota is a full drop, not the dropper's quota. */
  function asDropper(error: unknown): never {
    if (error instanceof AppError && error.code === 'quota_exceeded') throw dropFull();
    throw error;
  }

  /** The same for a file on its way into the folder, where a folder gone is a link gone. */
  function intoFolder(error: unknown): never {
    if (error instanceof AppError && error.status === 404) throw shareNotFound();
    return asDropper(error);
  }

  const dropped = (node: NodeRow) => ({ name: node.name, size: node.size ?? 0 });

  return {
    /** The body is the file: stored in the drop's folder, under "name (2)" when the name is taken. */
    async dropFile(link: LiveLink, file: DroppedBody, address: string) {
      const folder = await dropFolder(link);
      const name = normaliseNodeName(file.name);
      const max = link.share.maxFileBytes;
      const spentSessions: UploadRow[] = [];
      const result = await files
        .upload({
          ownerId: link.share.ownerId,
          folderId: folder.id,
          ...file,
          name,
          onConflict: 'rename',
          sizeLimit: max === null ? undefined : { bytes: max, exceeded: () => fileTooLarge(max) },
          alsoInWork: countAndLog(link, address, spentSessions),
        })
        .catch(intoFolder);
      await uploads.discardParts(spentSessions);
      return dropped(result.node);
    },

    /** A resumable session into the drop's folder, reached through this link only. */
    async startUpload(link: LiveLink, request: NewDropUpload, uploadsUrl: string) {
      const folder = await dropFolder(link);
      checkSize(link, request.size);
      return uploads
        .create(
          link.share.ownerId,
          { ...request, parentId: folder.id, onConflict: 'rename', shareId: link.share.id },
          uploadsUrl,
        )
        .catch(intoFolder);
    },

    async getUpload(link: LiveLink, id: string, uploadsUrl: string) {
      await dropFolder(link);
      return uploads.get(link.actor, id, uploadsUrl);
    },

    async putPart(
      link: LiveLink,
      id: string,
      number: number,
      body: Readable,
      checksums: { md5?: string; sha256?: string },
    ) {
      await dropFolder(link);
      return uploads.putPart(link.actor, id, number, body, checksums);
    },

    /**
     * Joins the parts and records the file like a simple drop. Refused because the drop was spent
     * meanwhile, the session can't be completed any more, so it is aborted.
     */
    async completeUpload(link: LiveLink, id: string, address: string, given: CompletionDigest = {}) {
      await dropFolder(link);
      const spentSessions: UploadRow[] = [];
      try {
        const result = await uploads.complete(link.actor, id, {
          ...given,
          alsoInWork: countAndLog(link, address, spentSessions),
        });
        await uploads.discardParts(spentSessions);
        return { ...dropped(result.node), created: result.created };
      } catch (error) {
        if (error instanceof AppError && error.code === 'share_not_found')
          await uploads.abort(link.actor, id).catch(() => {});
        return asDropper(error);
      }
    },

    async abortUpload(link: LiveLink, id: string) {
      await dropFolder(link);
      await uploads.abort(link.actor, id);
    },

    /**
     * Revokes a link: a drop's unfinished sessions are aborted (parts deleted, the owner's
     * reservation given back) in the unit of work that deletes it, so none is left behind.
     */
    async revoke(ownerId: string, id: string) {
      if (!isUuid(id)) throw shareNotFound();
      await uploads.abortAllThrough(ownerId, id, (tx) => shares.revoke(ownerId, id, tx));
    },
  };
}
