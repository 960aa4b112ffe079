import { and, eq, gt, lte } from 'drizzle-orm';
import type { Deps } from '../../deps.ts';
import { consumeEach } from '../../platform/cache/rate-limit.ts';
import { verifyPassword } from '../../shared/passwords.ts';
import { hashToken, newToken } from '../../shared/tokens.ts';
import { shareLocked, wrongSharePassword } from './shares.errors.ts';
import type { LiveLink, SharesService } from './shares.service.ts';
import { shareEvents, shareGrants } from './shares.table.ts';

/** How long an unlocked link stays unlocked for whoever unlocked it. */
export const GRANT_TTL_MS = 24 * 3_600_000;

export type ShareGrants = ReturnType<typeof createShareGrants>;

/**
 * Passwords of links: `unlock` trades the password for a grant good for that link only;
 * `open` answers a live link to whoever holds it, and a grant when it has a password.
 */
export function createShareGrants(
  { database, clock, rateLimiters }: Pick<Deps, 'database' | 'clock' | 'rateLimiters'>,
  shares: SharesService,
) {
  const { db } = database;

  /** Whether this address has unlocked the link before: those are spared the link's own ceiling. */
  async function knownAddress(shareId: string, address: string): Promise<boolean> {
    const [row] = await db
      .select({ id: shareEvents.id })
      .from(shareEvents)
      .where(
        and(
          eq(shareEvents.shareId, shareId),
          eq(shareEvents.address, address),
          eq(shareEvents.action, 'unlock'),
        ),
      )
      .limit(1);
    return row !== undefined;
  }

  return {
    /**
     * Checks the password and hands out a grant. Every attempt is counted before the password is
     * checked (so parallel guesses can't all slip past), and a right one is given back.
     */
    async unlock(token: string, password: string, address: string) {
      const link = await shares.resolve(token);
      const { share } = link;
      const attempts: Parameters<typeof consumeEach>[0] = [
        [rateLimiters.sharePasswordPerLinkAndAddress, `${share.id}:${address}`],
      ];
      if (!(await knownAddress(share.id, address)))
        attempts.push([rateLimiters.sharePasswordPerLink, share.id]);
      await consumeEach(attempts);
      const valid = share.passwordHash === null || (await verifyPassword(share.passwordHash, password));
      if (!valid) throw wrongSharePassword();
      await Promise.all(attempts.map(([limiter, key]) => limiter.refund(key)));
      const access = newToken();
      const expiresAt = new Date(clock.now().getTime() + GRANT_TTL_MS);
      await db.insert(shareGrants).values({
        shareId: share.id,
        tokenHash: hashToken(access),
        passwordVersion: share.passwordVersion,
        expiresAt,
      });
      await shares.record({ shareId: share.id, address, action: 'unlock' });
      return { link, access, expiresAt };
    },

    /**
     * The live link a token names, for a request holding `access` (a grant, if any). A link
     * with a password answers `share_locked` until its grant is shown; a grant made under an
     * earlier password, or for another link, is no grant.
     */
    async open(token: string, access: string | undefined): Promise<LiveLink> {
      const link = await shares.resolve(token);
      if (link.share.passwordHash === null) return link;
      if (access === undefined || access.length > 128) throw shareLocked();
      const [grant] = await db
        .select({ id: shareGrants.id })
        .from(shareGrants)
        .where(
          and(
            eq(shareGrants.tokenHash, hashToken(access)),
            eq(shareGrants.shareId, link.share.id),
            eq(shareGrants.passwordVersion, link.share.passwordVersion),
            gt(shareGrants.expiresAt, clock.now()),
          ),
        );
      if (grant === undefined) throw shareLocked();
      return link;
    },

    /** How many grants have run out (for the garbage collector); with `remove`, deletes them. */
    async expired(remove: boolean): Promise<number> {
      const stale = lte(shareGrants.expiresAt, clock.now());
      if (!remove) return db.$count(shareGrants, stale);
      return (await db.delete(shareGrants).where(stale).returning({ id: shareGrants.id })).length;
    },
  };
}
