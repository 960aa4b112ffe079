/**
 * The thread that hashes what the local blob store writes, close behind the writing (see
 * fs.running-digests.ts), reading it back from the page cache moments after it was written:
 *   - a blob being put: each range, as it is written, in order;
 *   - a multipart upload: told that a part was stored, the parts now in order, from the last one
 *     hashed up to the first gap, read from the upload's `data` file. Everything here is synchronous: the
 * thread has nothing else to do, and the shared thread pool is busy with the server's writes and
 * flushes (asynchronous reads queued behind them fell far behind the upload).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { parseMarker, type StoredPart } from './fs.part-markers.ts';

export type DigestMessage =
  | { type: 'range'; key: string; file: string; offset: number; size: number }
  | { type: 'range-digest'; id: number; key: string; size: number }
  | { type: 'stored'; uploadId: string; dir: string; number: number }
  | { type: 'digest'; id: number; uploadId: string; dir: string; etags: string[] }
  /** Drops what was hashed of a put (by its key) or of a multipart upload (by its id). */
  | { type: 'forget'; key: string };

/**
 * The answer to `range-digest` (the SHA-256 of the ranges hashed under that key) and to `digest`
 * (of the parts with those etags, joined, if that is what was hashed).
 */
export type DigestReply = { id: number; sha256: string | undefined };

interface Digest {
  hash: Hash;
  /** The next part to hash, and the offset it starts at. */
  next: number;
  offset: number;
  /** The etag of every part hashed so far, in order. */
  etags: string[];
  /** Something hashed is no longer what the upload holds: the digest is no use. */
  broken: boolean;
}

// Uploads abandoned without an abort in this process (the collector may run in another) are
// forgotten oldest first.
const MAX_DIGESTS = 1_000;
const digests = new Map<string, Digest>();
/** Blobs being put, by key: the SHA-256 of the ranges so far, and where the next one starts. */
const puts = new Map<string, { hash: Hash; offset: number; failed: boolean }>();
const buffer = Buffer.allocUnsafe(1024 * 1024);

function storedPart(dir: string, number: number): StoredPart | undefined {
  try {
    return parseMarker(readFileSync(path.join(dir, String(number)), 'utf8'));
  } catch {
    return undefined;
  }
}

function hashRange(hash: Hash, file: string, offset: number, size: number) {
  const fd = openSync(file, 'r');
  try {
    for (let done = 0; done < size; ) {
      const bytesRead = readSync(fd, buffer, 0, Math.min(buffer.length, size - done), offset + done);
      if (bytesRead === 0) throw new Error(`${file} ends at ${offset + done}, before ${offset + size}`);
      hash.update(buffer.subarray(0, bytesRead));
      done += bytesRead;
    }
  } finally {
    closeSync(fd);
  }
}

/** Hashes the parts now in order after the last one hashed. */
function catchUp(dir: string, digest: Digest) {
  try {
    for (let part = storedPart(dir, digest.next); part !== undefined; part = storedPart(dir, digest.next)) {
      hashRange(digest.hash, path.join(dir, 'data'), digest.offset, part.size);
      // Sent again while it was being read, what was hashed may be a mix of two sends.
      if (storedPart(dir, digest.next)?.etag !== part.etag) {
        digest.broken = true;
        return;
      }
      digest.etags.push(part.etag);
      digest.offset += part.size;
      digest.next += 1;
    }
  } catch {
    // The read-back at completion meets the same trouble, and reports it.
    digest.broken = true;
  }
}

function handle(message: DigestMessage) {
  switch (message.type) {
    case 'range': {
      const put = puts.get(message.key) ?? { hash: createHash('sha256'), offset: 0, failed: false };
      puts.set(message.key, put);
      // Ranges come in the order they were written, each where the last ended.
      if (put.failed || message.offset !== put.offset) {
        put.failed = true;
        return;
      }
      try {
        hashRange(put.hash, message.file, message.offset, message.size);
        put.offset += message.size;
      } catch {
        // Asked for, this digest is then missing, and the file is read back instead.
        put.failed = true;
      }
      return;
    }
    case 'range-digest': {
      const put = puts.get(message.key);
      puts.delete(message.key);
      // Only a digest of all `size` bytes will do: this thread may be a new one that never saw the
      // first ranges (an empty blob has none, and is the SHA-256 of nothing).
      const hashed = put ?? { hash: createHash('sha256'), offset: 0, failed: false };
      const sha256 = !hashed.failed && hashed.offset === message.size ? hashed.hash.digest('hex') : undefined;
      parentPort?.postMessage({ id: message.id, sha256 } satisfies DigestReply);
      return;
    }
    case 'stored': {
      let digest = digests.get(message.uploadId);
      if (digest === undefined) {
        if (digests.size >= MAX_DIGESTS) digests.delete(digests.keys().next().value as string);
        digest = { hash: createHash('sha256'), next: 1, offset: 0, etags: [], broken: false };
        digests.set(message.uploadId, digest);
      }
      // Hashed already, and since sent again. (The message may also just come late, after the
      // part was hashed when an earlier one arrived: then its etag is the one hashed.)
      if (message.number < digest.next) {
        const part = storedPart(message.dir, message.number);
        if (part?.etag !== digest.etags[message.number - 1]) digest.broken = true;
      }
      if (!digest.broken) catchUp(message.dir, digest);
      return;
    }
    case 'digest': {
      const digest = digests.get(message.uploadId);
      if (digest !== undefined && !digest.broken) catchUp(message.dir, digest);
      const same =
        digest !== undefined &&
        !digest.broken &&
        digest.etags.length === message.etags.length &&
        message.etags.every((etag, i) => etag === digest.etags[i]);
      // A copy: completing may fail and be tried again.
      const reply: DigestReply = {
        id: message.id,
        sha256: same ? digest.hash.copy().digest('hex') : undefined,
      };
      parentPort?.postMessage(reply);
      return;
    }
    case 'forget':
      puts.delete(message.key);
      digests.delete(message.key);
  }
}

// Messages are handled one at a time, in order: each upload's parts are hashed in sequence.
parentPort?.on('message', handle);
