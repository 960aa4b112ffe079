import { createHash, randomBytes } from 'node:crypto';

/** An opaque, unguessable token for a client to hold (256 random bits, base64url). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps of a token: tokens are random, so a fast hash is enough and leaks nothing. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

// Lower-case letters and digits without the look-alikes (l, o, 0, 1): 32 symbols, 5 bits each.
const APP_PASSWORD_SYMBOLS = 'abcdefghijkmnpqrstuvwxyz23456789';
const APP_PASSWORD_SHAPE = /^(?:[a-z2-9]{5}-){5}[a-z2-9]{5}$/;

/**
 * A password for an app to hold: 30 random symbols (150 bits) in groups of five, easy to type on a
 * phone. Its shape can't be a session token's (43 characters), so one look tells which it is.
 */
export function newAppPassword(): string {
  const bytes = randomBytes(30);
  // 256 is a multiple of 32, so every symbol is equally likely.
  const symbols = Array.from(bytes, (byte) => APP_PASSWORD_SYMBOLS[byte % 32]).join('');
  return symbols.match(/.{5}/g)?.join('-') ?? symbols;
}

/** The app password as it was made (typed in capitals on a phone is still it), or undefined if it isn't one. */
export function asAppPassword(candidate: string): string | undefined {
  const lower = candidate.toLowerCase();
  return APP_PASSWORD_SHAPE.test(lower) ? lower : undefined;
}
