import { randomUUID } from 'node:crypto';

/** A key no blob has had: content never changes under a key, so replacing a file means a new key. */
export function newBlobKey(): string {
  return `blobs/${randomUUID()}`;
}
