import type { RateLimiter } from '../../platform/cache/rate-limit.ts';
import { implausibleCompression, inflateLimitReached, tooLargeToInflate } from './uploads.errors.ts';

/**
 * What a gzip upload may ask of the server, which inflates it at completion to check it: a
 * declared size DEFLATE can really reach from the stored bytes, no larger than one file may be,
 * within what the user may have inflated this hour (`INFLATE_LIMIT_BYTES_PER_HOUR`).
 */

/**
 * DEFLATE's ceiling: at best a 258-byte match is coded in 2 bits, about 1032 : 1. Beyond it the
 * declared size can't be true, whatever the content.
 */
export const MAX_COMPRESSION_RATIO = 1032;
/** The largest file the server inflates; a larger one is uploaded as it is. */
export const MAX_INFLATED_SIZE = 16 * 1024 ** 3;

/** Checks a gzip upload's declaration and counts its inflating against the user, before anything is stored. */
export async function allowInflation(
  limiter: RateLimiter,
  ownerId: string,
  declared: { size: number; storedSize: number },
) {
  if (declared.size > MAX_INFLATED_SIZE) throw tooLargeToInflate(MAX_INFLATED_SIZE);
  if (declared.size > declared.storedSize * MAX_COMPRESSION_RATIO)
    throw implausibleCompression(MAX_COMPRESSION_RATIO);
  if (declared.size === 0) return;
  const { spent, msBeforeNext } = await limiter.spend(ownerId, declared.size);
  if (!spent) throw inflateLimitReached(Math.max(1, Math.ceil(msBeforeNext / 1000)));
}
