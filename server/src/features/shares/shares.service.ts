import type { Deps } from '../../deps.ts';
import type { Queryable } from '../../platform/database/database.ts';
import { isUuid } from '../../shared/ids.ts';
import { hashPassword } from '../../shared/passwords.ts';
import { hashToken, newToken } from '../../shared/tokens.ts';
import type { Actor } from '../access/access.ts';
import { nodeNotFound } from '../nodes/nodes.errors.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import type { NodeRow } from '../nodes/nodes.table.ts';
import { invalidShare, shareNotFound } from './shares.errors.ts';
import * as repository from './shares.repository.ts';
import type { ShareLinkRow } from './shares.table.ts';

/** A download, in the units `download_units` counts: one file's worth of bytes is a million. */
export const UNITS_PER_DOWNLOAD = 1_000_000;

export interface LinkSettings {
  password?: string | null;
  expiresAt?: Date | null;
  maxDownloads?: number | null;
  maxFileBytes?: number | null;
  maxFiles?: number | null;
}

/** A link that is alive, the node it points at, and who holding it is to the access check. */
export interface LiveLink {
  share: ShareLinkRow;
  node: NodeRow;
  actor: Extract<Actor, { kind: 'link' }>;
}

export type Status = 'active' | 'expired' | 'exhausted';

/** Whether the link still gives access, for the owner's list and for anyone holding it. */
export function statusOf(share: ShareLinkRow, now: Date): Status {
  if (share.expiresAt !== null && share.expiresAt <= now) return 'expired';
  if (share.maxDownloads !== null && share.downloadUnits >= share.maxDownloads * UNITS_PER_DOWNLOAD)
    return 'exhausted';
  if (share.maxFiles !== null && share.filesDropped >= share.maxFiles) return 'exhausted';
  return 'active';
}

function checkSettings(kind: ShareLinkRow['kind'], settings: LinkSettings, now: Date) {
  if (kind === 'link' && (settings.maxFileBytes != null || settings.maxFiles != null))
    throw invalidShare('maxFileBytes and maxFiles are for file drops.');
  if (kind === 'drop' && settings.maxDownloads != null)
    throw invalidShare('maxDownloads is for links, not file drops.');
  if (settings.expiresAt != null && settings.expiresAt <= now)
    throw invalidShare('expiresAt must be in the future.');
}

export type SharesService = ReturnType<typeof createSharesService>;

export function createSharesService(
  { database, clock }: Pick<Deps, 'database' | 'clock'>,
  nodes: NodesService,
) {
  const { db } = database;

  /** The columns a change of settings writes. */
  async function settingColumns(settings: LinkSettings): Promise<Partial<repository.NewShareLink>> {
    const columns: Partial<repository.NewShareLink> = {};
    if (settings.expiresAt !== undefined) columns.expiresAt = settings.expiresAt;
    if (settings.maxDownloads !== undefined) columns.maxDownloads = settings.maxDownloads;
    if (settings.maxFileBytes !== undefined) columns.maxFileBytes = settings.maxFileBytes;
    if (settings.maxFiles !== undefined) columns.maxFiles = settings.maxFiles;
    if (settings.password !== undefined) {
      columns.passwordHash = settings.password === null ? null : await hashPassword(settings.password);
    }
    return columns;
  }

  return {
    /**
     * Makes a link to one of the owner's live nodes, deciding under the tree's lock (so the node
     * can't go to the trash meanwhile). The token is answered here and nowhere else, ever.
     */
    async create(ownerId: string, nodeId: string, kind: ShareLinkRow['kind'], settings: LinkSettings) {
      checkSettings(kind, settings, clock.now());
      const token = newToken();
      const passwordHash = settings.password == null ? null : await hashPassword(settings.password);
      const share = await nodes.inTree(ownerId, undefined, async (w) => {
        const { node } = await nodes.nodeIn(w, nodeId, 'share', nodeNotFound);
        if (!(await nodes.isLive(node, w.tx))) throw nodeNotFound();
        if (node.parentId === null)
          throw invalidShare('The root folder can’t be shared; share a folder in it.');
        if (kind === 'drop' && node.kind !== 'folder') throw invalidShare('A file drop is a folder’s.');
        return repository.insertLink(w.tx, {
          nodeId: node.id,
          ownerId,
          kind,
          tokenHash: hashToken(token),
          passwordHash,
          expiresAt: settings.expiresAt ?? null,
          maxDownloads: settings.maxDownloads ?? null,
          maxFileBytes: settings.maxFileBytes ?? null,
          maxFiles: settings.maxFiles ?? null,
        });
      });
      const listed = await repository.findOwned(db, ownerId, share.id);
      if (listed === undefined) throw shareNotFound();
      return { share: listed, token };
    },

    list: (ownerId: string, nodeId?: string) => repository.listOwned(db, ownerId, nodeId),

    async get(ownerId: string, id: string) {
      const share = isUuid(id) ? await repository.findOwned(db, ownerId, id) : undefined;
      if (share === undefined) throw shareNotFound();
      return share;
    },

    async update(ownerId: string, id: string, settings: LinkSettings) {
      const share = isUuid(id) ? await repository.findOwned(db, ownerId, id) : undefined;
      if (share === undefined) throw shareNotFound();
      checkSettings(share.kind, settings, clock.now());
      const updated = await repository.updateOwned(db, ownerId, id, await settingColumns(settings));
      if (updated === undefined) throw shareNotFound();
      return this.get(ownerId, id);
    },

    /**
     * The link, its grants and its log are gone; nobody can use it from the next request on. `tx`:
     * the unit of work that ends what was started through it (a drop's sessions).
     */
    async revoke(ownerId: string, id: string, tx: Queryable = db) {
      if (!isUuid(id) || !(await repository.deleteLink(tx, ownerId, id))) throw shareNotFound();
    },

    async events(ownerId: string, id: string, after: number | undefined, limit: number) {
      const share = isUuid(id) ? await repository.findOwned(db, ownerId, id) : undefined;
      if (share === undefined) throw shareNotFound();
      return repository.pageOfEvents(db, share.id, after, limit);
    },

    /**
     * The link a token names, when it is alive: not revoked, not expired, not spent, and its node
     * and every folder above it out of the trash. Anything else is `share_not_found`, all alike.
     */
    async resolve(token: string): Promise<LiveLink> {
      const share =
        token.length > 0 && token.length <= 128
          ? await repository.findByTokenHash(db, hashToken(token))
          : undefined;
      if (share === undefined || statusOf(share, clock.now()) !== 'active') throw shareNotFound();
      const node = await nodes.find(share.nodeId);
      if (node === undefined || !(await nodes.isLive(node))) throw shareNotFound();
      return {
        share,
        node,
        actor: { kind: 'link', shareId: share.id, ownerId: share.ownerId, rootId: node.id, mode: share.kind },
      };
    },

    /** Logs what someone did through a link, for its owner. */
    record: (event: Omit<repository.NewShareEvent, 'at'>) =>
      repository.insertEvent(db, { ...event, at: clock.now() }),
  };
}
