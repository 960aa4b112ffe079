import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import type { PartInfo } from './blob-store.ts';

/** A stored part as its marker describes it. */
export interface StoredPart {
  size: number;
  /** Names the write that stored the part: a part sent again gets a new one. */
  etag: string;
}

interface Digest {
  hash: Hash;
  /** The next part to hash, and the offset it starts at. */
  next: number;
  offset: number;
  /** The etag of every part hashed so far, in order. */
  etags: string[];
  /** The catch-up under way: one at a time per upload. */
  work: Promise<void>;
  /** Something hashed is no longer what the upload holds: the digest is no use. */
  broken: boolean;
}

const READ_BUFFER = 1024 * 1024;
// Uploads abandoned without an abort in this process (the collector may run in another) are
// forgotten oldest first.
const MAX_DIGESTS = 1_000;

/**
 * The SHA-256 of each local multipart upload, taken while its parts arrive: whenever a part is
 * stored, the parts from the last one hashed up to the first gap are read back (from the page
 * cache, moments after they were written) and hashed in the background. Completing then need not
 * read the whole file. It is only a shortcut: a digest is given out only if the parts it hashed
 * are, by their etags, the parts being joined. A part sent again after it was hashed, a restart,
 * or parts stored by another instance all mean the file is read back at completion, as without it.
 */
export function createRunningDigests(options: {
  dataFile: (uploadId: string) => string;
  storedPart: (uploadId: string, number: number) => Promise<StoredPart | undefined>;
}) {
  const digests = new Map<string, Digest>();

  async function catchUp(uploadId: string, digest: Digest) {
    let handle: FileHandle | undefined;
    try {
      const buffer = Buffer.allocUnsafe(READ_BUFFER);
      for (let part = await options.storedPart(uploadId, digest.next); part !== undefined; ) {
        handle ??= await open(options.dataFile(uploadId), 'r');
        for (let done = 0; done < part.size; ) {
          const wanted = Math.min(buffer.length, part.size - done);
          const { bytesRead } = await handle.read(buffer, 0, wanted, digest.offset + done);
          if (bytesRead === 0)
            throw new Error(`upload ${uploadId}: its data ends inside part ${digest.next}`);
          digest.hash.update(buffer.subarray(0, bytesRead));
          done += bytesRead;
        }
        // Sent again while it was being read, what was hashed may be a mix of two sends.
        if ((await options.storedPart(uploadId, digest.next))?.etag !== part.etag) {
          digest.broken = true;
          return;
        }
        digest.etags.push(part.etag);
        digest.offset += part.size;
        digest.next += 1;
        part = await options.storedPart(uploadId, digest.next);
      }
    } finally {
      await handle?.close();
    }
  }

  function schedule(uploadId: string, digest: Digest) {
    digest.work = digest.work
      .then(() => (digest.broken ? undefined : catchUp(uploadId, digest)))
      .catch(() => {
        // The read-back at completion meets the same trouble, and reports it.
        digest.broken = true;
      });
  }

  return {
    /** Part `number` of the upload was stored: hash whatever is now in order. */
    partStored(uploadId: string, number: number) {
      let digest = digests.get(uploadId);
      if (digest === undefined) {
        if (digests.size >= MAX_DIGESTS) digests.delete(digests.keys().next().value as string);
        digest = {
          hash: createHash('sha256'),
          next: 1,
          offset: 0,
          etags: [],
          work: Promise.resolve(),
          broken: false,
        };
        digests.set(uploadId, digest);
      }
      // Hashed already, and now different.
      if (number < digest.next) digest.broken = true;
      if (!digest.broken) schedule(uploadId, digest);
    },

    /** The SHA-256 of `parts` joined, if the digest covers exactly them; otherwise undefined. */
    async sha256Of(uploadId: string, parts: PartInfo[]): Promise<string | undefined> {
      const digest = digests.get(uploadId);
      if (digest === undefined || digest.broken) return undefined;
      // The last parts may not be hashed yet.
      schedule(uploadId, digest);
      await digest.work;
      const same =
        !digest.broken &&
        digest.etags.length === parts.length &&
        parts.every((part, i) => part.etag === digest.etags[i]);
      // A copy: completing may fail and be tried again.
      return same ? digest.hash.copy().digest('hex') : undefined;
    },

    forget(uploadId: string) {
      digests.delete(uploadId);
    },
  };
}
