import { Worker } from 'node:worker_threads';
import { CliError } from '../errors.ts';
import type { DigestJob, DigestMessage } from './digest-worker.ts';

/** The digests one pass over a file gives, each as soon as the pass has read that far. */
export interface FileDigests {
  /** The base64 checksum of a part still to send. */
  part(number: number): Promise<string>;
  /** The hex SHA-256 of the whole file. */
  sha256: Promise<string>;
  /** Stops the pass (the upload failed). */
  stop(): Promise<void>;
}

/**
 * Starts reading `job.filePath` once, on a thread of its own, beside the sending of its parts:
 * the whole file's SHA-256 and each part's checksum come from the same read.
 */
export function digestFile(job: DigestJob): FileDigests {
  const thread = new Worker(new URL('./digest-worker.ts', import.meta.url), { workerData: job });
  const waiting = new Map<number, PromiseWithResolvers<string>>();
  const partPromise = (number: number) => {
    let entry = waiting.get(number);
    if (entry === undefined) {
      entry = Promise.withResolvers<string>();
      // Awaited when the part is sent; a part never asked for must not count as unhandled.
      entry.promise.catch(() => {});
      waiting.set(number, entry);
    }
    return entry;
  };
  const whole = Promise.withResolvers<string>();
  whole.promise.catch(() => {});
  const fail = (message: string) => {
    const error = new CliError(`reading ${job.filePath} failed: ${message}`);
    whole.reject(error);
    for (const number of job.parts) partPromise(number).reject(error);
  };
  thread.on('message', (message: DigestMessage) => {
    if ('part' in message) partPromise(message.part).resolve(message.digest);
    else if ('sha256' in message) whole.resolve(message.sha256);
    else fail(message.error);
  });
  thread.on('error', (error) => fail(error.message));
  thread.on('exit', () => fail('the hashing thread stopped'));
  return {
    part(number) {
      return partPromise(number).promise;
    },
    sha256: whole.promise,
    async stop() {
      await thread.terminate();
    },
  };
}
