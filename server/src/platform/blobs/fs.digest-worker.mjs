/**
 * The thread that takes the SHA-256 of local multipart uploads (see fs.part-digests.ts), reading
 * their parts back from the page cache once they are in order. It is handed one port per upload;
 * every message on it is a range of the upload's file to hash next, in order, and is answered with
 * the SHA-256 of all the ranges so far. Everything here is synchronous: the thread has nothing else
 * to do, and a read that the same thread hashes right after finds the bytes still in its core's
 * cache, with no trip through the thread pool and back to the main thread for each buffer.
 */
// Plain JavaScript: a thread that loads TypeScript loads the type stripping with it, which cost
// each start about 20 MiB and 40 ms more.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

// Small enough to stay in the core's cache between the read and the hash (a read back through
// buffers of 4 MiB cost about 0.25 s per GiB more than through buffers of 1 MiB).
const buffer = Buffer.allocUnsafe(256 * 1024);

/**
 * Bytes [start, end) of `file` into `hash`.
 * @param {import('node:crypto').Hash} hash
 * @param {import('./fs.part-digests.ts').DigestRange} range
 */
function hashRange(hash, { file, start, end }) {
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
parentPort?.on('message', (/** @type {import('node:worker_threads').MessagePort} */ port) => {
  const hash = createHash('sha256');
  port.on('message', (/** @type {import('./fs.part-digests.ts').DigestRange} */ range) => {
    try {
      hashRange(hash, range);
      // A copy: the digest goes on, and the one answered may be asked for again.
      port.postMessage({ end: range.end, sha256: hash.copy().digest('hex') });
    } catch (error) {
      // What was read is lost; the store reads the file back at completion instead.
      port.postMessage({ error: String(error) });
      port.close();
    }
  });
});
