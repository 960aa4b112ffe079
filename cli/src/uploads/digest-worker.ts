/**
 * The thread that reads a file once, in order, while its parts are being sent (see
 * file-digests.ts): it hashes the whole file (SHA-256, declared when the upload completes) and,
 * for each part still to send, that part (its checksum goes ahead of the part's body). Synchronous
 * reads into one buffer: the thread has nothing else to do, and its hashing stays off the thread
 * that sends the parts.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export interface DigestJob {
  filePath: string;
  size: number;
  partSize: number;
  /** md5 or sha256: the checksum the parts' destination checks. */
  partAlgorithm: string;
  /** The parts to hash on their own; the others have arrived already. */
  parts: number[];
}

export type DigestMessage = { part: number; digest: string } | { sha256: string } | { error: string };

const job = workerData as DigestJob;
const buffer = Buffer.allocUnsafe(1024 * 1024);
const wanted = new Set(job.parts);

try {
  const fd = openSync(job.filePath, 'r');
  try {
    const whole = createHash('sha256');
    for (let start = 0, number = 1; start < job.size; start += job.partSize, number++) {
      const end = Math.min(start + job.partSize, job.size);
      const part = wanted.has(number) ? createHash(job.partAlgorithm) : undefined;
      for (let position = start; position < end; ) {
        const bytesRead = readSync(fd, buffer, 0, Math.min(buffer.length, end - position), position);
        if (bytesRead === 0) throw new Error(`${job.filePath} ends at ${position}, before ${job.size}`);
        const chunk = buffer.subarray(0, bytesRead);
        whole.update(chunk);
        part?.update(chunk);
        position += bytesRead;
      }
      if (part !== undefined)
        parentPort?.postMessage({ part: number, digest: part.digest('base64') } satisfies DigestMessage);
    }
    parentPort?.postMessage({ sha256: whole.digest('hex') } satisfies DigestMessage);
  } finally {
    closeSync(fd);
  }
} catch (error) {
  parentPort?.postMessage({ error: (error as Error).message } satisfies DigestMessage);
}
