import { sql } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.ts';
import type { DownloadHooks, SentPart } from '../files/downloads.ts';
import type { NodeRow } from '../nodes/nodes.table.ts';
import { shareNotFound } from './shares.errors.ts';
import { type LiveLink, type SharesService, UNITS_PER_DOWNLOAD } from './shares.service.ts';
import { shareLinks } from './shares.table.ts';

const UNITS = BigInt(UNITS_PER_DOWNLOAD);

/**
 * What sending bytes `start` to `end` of a `size`-byte file costs, in millionths of a download.
 * Each byte's share is fixed by its position, so however a file is cut into ranges, its parts add
 * up to exactly one download. An empty file has no bytes to share it: fetching it is one download.
 */
export function unitsOf({ start, end, size }: SentPart): number {
  if (size === 0) return UNITS_PER_DOWNLOAD;
  if (end < start) return 0;
  const total = BigInt(size);
  return Number(((BigInt(end) + 1n) * UNITS) / total - (BigInt(start) * UNITS) / total);
}

export type LinkDownloads = ReturnType<typeof createLinkDownloads>;

/**
 * Counts what a link hands out against its `maxDownloads`: an answer reserves its share before it
 * sends a byte, with one conditional update, so parallel requests (on any instance) never take more
 * than the limit; what a cut-off answer did not send is given back when it ends.
 */
export function createLinkDownloads({ database }: Pick<Deps, 'database'>, shares: SharesService) {
  const { db } = database;

  /** Takes `units` of the link's downloads, if it has them left; false when they would pass its limit. */
  async function reserve(shareId: string, units: number): Promise<boolean> {
    const rows = await db
      .update(shareLinks)
      .set({ downloadUnits: sql`${shareLinks.downloadUnits} + ${units}` })
      .where(
        sql`${shareLinks.id} = ${shareId} and (${shareLinks.maxDownloads} is null or
          ${shareLinks.downloadUnits} + ${units} <= ${shareLinks.maxDownloads}::bigint * ${UNITS_PER_DOWNLOAD})`,
      )
      .returning({ id: shareLinks.id });
    return rows.length > 0;
  }

  async function giveBack(shareId: string, units: number) {
    await db
      .update(shareLinks)
      .set({ downloadUnits: sql`greatest(${shareLinks.downloadUnits} - ${units}, 0)` })
      .where(sql`${shareLinks.id} = ${shareId}`);
  }

  return {
    /** A zip counts as one whole download when it starts, whatever it holds; it is never given back. */
    async reserveZip(link: LiveLink) {
      if (!(await reserve(link.share.id, UNITS_PER_DOWNLOAD))) throw shareNotFound();
    },

    /** What a file's download through the link reserves, gives back and logs. */
    of(request: FastifyRequest, link: LiveLink, file: NodeRow): DownloadHooks {
      const shareId = link.share.id;
      let reserved: { part: SentPart; units: number } | undefined;
      return {
        async beforeSend(part) {
          const units = unitsOf(part);
          // A spent link is a dead one: answered like an unknown token.
          if (!(await reserve(shareId, units))) throw shareNotFound();
          reserved = { part, units };
        },
        async onFinished(sentBytes) {
          if (reserved === undefined) return;
          const { part, units } = reserved;
          const used = part.size === 0 ? units : unitsOf({ ...part, end: part.start + sentBytes - 1 });
          try {
            if (used < units) await giveBack(shareId, units - used);
            await shares.record({
              shareId,
              address: request.ip,
              action: 'download',
              nodeId: file.id,
              name: file.name,
              bytes: sentBytes,
            });
          } catch (error) {
            request.log.error({ err: error, shareId }, 'a link’s download could not be accounted for');
          }
        },
      };
    },
  };
}
