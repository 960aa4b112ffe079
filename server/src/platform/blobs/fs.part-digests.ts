import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { PartInfo } from './blob-store.ts';
import { hashFileRange } from './fs.copy.ts';
import type { StoredPart } from './fs.part-markers.ts';

/**
 * An upload that gets no part for this long is no longer followed here; its session has expired by
 * then (or another instance's collector aborted it), and should it complete after all, the file is
 * read back.
 */
const IDLE_MS = 24 * 60 * 60 * 1000;

type Placed = StoredPart & { offset: number };

interface UploadDigest {
  /** Of every part before `next`, joined in order; they end at `end`. */
  hash: Hash;
  next: number;
  end: number;
  /** The etag of every part hashed, in order. */
  etags: string[];
  /** Parts stored past the first gap, waiting for the parts before them. */
  ahead: Map<number, Placed>;
  /** Part `next` is being hashed as it arrives, into this copy of `hash`. */
  streaming: Hash | undefined;
  /** Parts stored ahead that are now in order, being read back. */
  catchingUp: Promise<void> | undefined;
  /** A read back failed, or the upload was forgotten: the digest is of no use. */
  broken: boolean;
  idle: NodeJS.Timeout;
}

/**
 * The SHA-256 of each local multipart upload, taken as its parts come to be in order, so that
 * completing need not read the whole file back. A part that is the next in order when it starts
 * is hashed as its bytes pass; one that arrives ahead of a gap is read back (from the page cache)
 * once the parts before it are in. The digest counts only if the parts it hashed are, by their
 * etags, the parts being joined: a part sent again after it was hashed, a restart, a failed read or
 * parts stored by another instance all mean the file is read back, as without it.
 */
export function createPartDigests() {
  const uploads = new Map<string, UploadDigest>();

  function forget(uploadId: string) {
    const upload = uploads.get(uploadId);
    if (upload === undefined) return;
    clearTimeout(upload.idle);
    upload.broken = true;
    uploads.delete(uploadId);
  }

  function followed(uploadId: string): UploadDigest {
    const known = uploads.get(uploadId);
    if (known !== undefined) {
      known.idle.refresh();
      return known;
    }
    const idle = setTimeout(() => forget(uploadId), IDLE_MS).unref();
    const upload: UploadDigest = {
      hash: createHash('sha256'),
      next: 1,
      end: 0,
      etags: [],
      ahead: new Map(),
      streaming: undefined,
      catchingUp: undefined,
      broken: false,
      idle,
    };
    uploads.set(uploadId, upload);
    return upload;
  }

  function hashed(upload: UploadDigest, part: Placed) {
    upload.etags.push(part.etag);
    upload.next += 1;
    upload.end = part.offset + part.size;
  }

  /** Reads back, in order, the parts stored ahead that nothing stands before any more. */
  function catchUp(upload: UploadDigest, data: string) {
    if (upload.catchingUp !== undefined || upload.streaming !== undefined || upload.broken) return;
    if (!upload.ahead.has(upload.next)) return;
    upload.catchingUp = (async () => {
      const handle = await open(data, 'r');
      try {
        for (let part = upload.ahead.get(upload.next); part !== undefined && !upload.broken; ) {
          upload.ahead.delete(upload.next);
          // A gap or an overlap would make the digest one of other bytes than the file's.
          if (part.offset !== upload.end) throw new Error('the parts are not contiguous');
          await hashFileRange(handle, part.offset, part.offset + part.size, upload.hash);
          hashed(upload, part);
          part = upload.ahead.get(upload.next);
        }
      } finally {
        await handle.close();
      }
    })()
      .catch(() => {
        upload.broken = true;
      })
      .finally(() => {
        upload.catchingUp = undefined;
        // A part stored while the last read was finishing.
        catchUp(upload, data);
      });
  }

  return {
    /**
     * Part `number`, at `offset`, is about to be written. When it is the next in order and nothing
     * else is being hashed, a copy of the digest so far, to hash its bytes as they pass and hand
     * back to stored() (or failed()); otherwise undefined, and it is read back later.
     */
    streamFor(uploadId: string, number: number, offset: number): Hash | undefined {
      const upload = followed(uploadId);
      const inOrder = upload.next === number && upload.end === offset && !upload.ahead.has(number);
      if (!inOrder || upload.broken || upload.streaming !== undefined || upload.catchingUp !== undefined)
        return undefined;
      upload.streaming = upload.hash.copy();
      return upload.streaming;
    },

    /**
     * Part `number`, at `offset` in `data`, was stored and flushed, hashed as it passed into
     * `streamed` if streamFor() gave one: hash what is now in order.
     */
    stored(uploadId: string, data: string, number: number, part: Placed, streamed: Hash | undefined) {
      const upload = followed(uploadId);
      if (streamed !== undefined && streamed === upload.streaming) {
        upload.streaming = undefined;
        upload.hash = streamed;
        hashed(upload, part);
      } else if (number >= upload.next) upload.ahead.set(number, part);
      // Else hashed already: its etag now differs from the one hashed, so the digest won't be used.
      catchUp(upload, data);
    },

    /** The part streamFor() gave `streamed` to was not stored: what it hashed counts for nothing. */
    failed(uploadId: string, data: string, streamed: Hash | undefined) {
      const upload = uploads.get(uploadId);
      if (upload === undefined || streamed === undefined || streamed !== upload.streaming) return;
      upload.streaming = undefined;
      catchUp(upload, data);
    },

    /** The SHA-256 of `parts` joined, if they are the parts hashed; undefined otherwise. */
    async sha256Of(uploadId: string, parts: PartInfo[]): Promise<string | undefined> {
      const upload = uploads.get(uploadId);
      if (upload === undefined) return undefined;
      while (upload.catchingUp !== undefined) await upload.catchingUp;
      const same =
        !upload.broken &&
        upload.streaming === undefined &&
        upload.etags.length === parts.length &&
        parts.every((part, i) => part.number === i + 1 && part.etag === upload.etags[i]);
      // A copy: the digest may be asked for again (a completion tried a second time).
      return same ? upload.hash.copy().digest('hex') : undefined;
    },

    forget,

    close() {
      for (const uploadId of [...uploads.keys()]) forget(uploadId);
    },
  };
}
