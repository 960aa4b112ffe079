import type { PartInfo } from './blob-store.ts';
import type { StoredPart } from './fs.part-markers.ts';
import type { DigestThread, RunningDigest } from './fs.running-digests.ts';

/**
 * An upload that gets no part for this long is no longer followed here; its session has expired by
 * then (or another instance's collector aborted it), and should it complete after all, the file is
 * read back.
 */
const IDLE_MS = 24 * 60 * 60 * 1000;

interface UploadDigest {
  digest: RunningDigest;
  /** The next part in order, and the etag of every part before it, as hashed. */
  next: number;
  etags: string[];
  /** Parts stored past the first gap, waiting for the parts before them. */
  ahead: Map<number, StoredPart & { offset: number }>;
  idle: NodeJS.Timeout;
}

/**
 * The SHA-256 of each local multipart upload, taken as its parts come to be in order, so that
 * completing need not read the whole file back. Its digest counts only if the parts it hashed are,
 * by their etags, the parts being joined: a part sent again after it was hashed, a restart, a
 * thread that died or parts stored by another instance all mean the file is read back, as
 * without it.
 */
export function createPartDigests(thread: DigestThread) {
  const uploads = new Map<string, UploadDigest>();

  function forget(uploadId: string) {
    const upload = uploads.get(uploadId);
    if (upload === undefined) return;
    clearTimeout(upload.idle);
    upload.digest.close();
    uploads.delete(uploadId);
  }

  function followed(uploadId: string): UploadDigest {
    const known = uploads.get(uploadId);
    if (known !== undefined) {
      known.idle.refresh();
      return known;
    }
    const idle = setTimeout(() => forget(uploadId), IDLE_MS).unref();
    const upload: UploadDigest = { digest: thread.start(), next: 1, etags: [], ahead: new Map(), idle };
    uploads.set(uploadId, upload);
    return upload;
  }

  return {
    /** Part `number`, at `offset` in `data`, was stored and flushed: hash what is now in order. */
    stored(uploadId: string, data: string, number: number, part: StoredPart & { offset: number }) {
      const upload = followed(uploadId);
      // Hashed already: its etag now differs from the one hashed, so the digest won't be used.
      if (number < upload.next) return;
      upload.ahead.set(number, part);
      for (
        let next = upload.ahead.get(upload.next);
        next !== undefined;
        next = upload.ahead.get(upload.next)
      ) {
        upload.ahead.delete(upload.next);
        upload.digest.add(data, next.offset, next.offset + next.size);
        upload.etags.push(next.etag);
        upload.next += 1;
      }
    },

    /** The SHA-256 of `parts` joined, if they are the parts hashed; undefined otherwise. */
    async sha256Of(uploadId: string, parts: PartInfo[]): Promise<string | undefined> {
      const upload = uploads.get(uploadId);
      const same =
        upload !== undefined &&
        upload.etags.length === parts.length &&
        parts.every((part, i) => part.number === i + 1 && part.etag === upload.etags[i]);
      if (!same) return undefined;
      return upload.digest.sha256(parts.reduce((total, part) => total + part.size, 0));
    },

    forget,

    close() {
      for (const uploadId of [...uploads.keys()]) forget(uploadId);
    },
  };
}
