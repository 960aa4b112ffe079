/**
 * The thread that hashes what the local blob store writes, close behind the writing (see
 * fs.running-digests.ts), reading it back from the page cache moments after it was written. It is
 * handed one port per digest; every message on it is a range of a file to hash next, in order, and
 * is answered with the SHA-256 of all the ranges so far. Everything here is synchronous: the thread
 * has nothing else to do, and the shared thread pool is busy with the server's writes and flushes
 * (asynchronous reads queued behind them fell far behind the upload).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { type MessagePort, parentPort } from 'node:worker_threads';

/** Bytes [start, end) of `file`. */
export interface DigestRange {
  file: string;
  start: number;
  end: number;
}

/** The SHA-256 of every range hashed on this port, the last ending at `end`; or why it failed. */
export type DigestState = { end: number; sha256: string } | { error: string };

const buffer = Buffer.allocUnsafe(1024 * 1024);

function hashRange(hash: Hash, { file, start, end }: DigestRange) {
  const fd = openSync(file, 'r');
  try {
    for (let position = start; position < end; ) {
      const bytesRead = readSync(fd, buffer, 0, Math.min(buffer.length, end - position), position);
      if (bytesRead === 0) throw new Error(`${file} ends at ${position}, before ${end}`);
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } finally {
    closeSync(fd);
  }
}

// Messages on a port are handled one at a time, in order; the hash goes when the port closes.
parentPort?.on('message', (port: MessagePort) => {
  const hash = createHash('sha256');
  port.on('message', (range: DigestRange) => {
    try {
      hashRange(hash, range);
      // A copy: the digest goes on, and the one answered may be asked for again.
      port.postMessage({ end: range.end, sha256: hash.copy().digest('hex') } satisfies DigestState);
    } catch (error) {
      // What was read is lost; the store reads the file back, and meets the same trouble there.
      port.postMessage({ error: String(error) } satisfies DigestState);
      port.close();
    }
  });
});
