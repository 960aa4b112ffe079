import { createHash, randomBytes } from 'node:crypto';

/** An opaque, unguessable token for a client to hold (256 random bits, base64url). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps of a token: tokens are random, so a fast hash is enough and leaks nothing. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
