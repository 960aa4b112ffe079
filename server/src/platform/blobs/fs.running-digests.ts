import { Worker } from 'node:worker_threads';
import type { PartInfo } from './blob-store.ts';
import type { DigestMessage, DigestReply } from './fs.digest-worker.ts';

/**
 * The SHA-256 of what the local blob store writes, taken close behind the writing by a thread of its
 * own (fs.digest-worker.ts), so that the server's main thread never spends its time hashing: of a
 * blob being put, range by range as it is written; of a multipart upload, part by part as the parts
 * arrive in order, so that completing need not read the whole file back. It is only a shortcut:
 * a put whose ranges weren't all hashed gets no digest, and a multipart upload's digest is given
 * out only if the parts it hashed are, by their etags, the parts being joined (a part sent again
 * after it was hashed, a restart, a thread that died, or parts stored by another instance all mean
 * the file is read back, as without it).
 */
export function createRunningDigests() {
  let worker: Worker | undefined;
  let lastId = 0;
  const waiting = new Map<number, (sha256: string | undefined) => void>();

  function stopped() {
    worker = undefined;
    // Its digests went with it.
    for (const answer of waiting.values()) answer(undefined);
    waiting.clear();
  }

  function started(): Worker {
    if (worker !== undefined) return worker;
    const thread = new Worker(new URL('./fs.digest-worker.ts', import.meta.url));
    // Never what keeps the server running.
    thread.unref();
    thread.on('message', (reply: DigestReply) => {
      waiting.get(reply.id)?.(reply.sha256);
      waiting.delete(reply.id);
    });
    thread.on('error', () => {
      if (worker === thread) stopped();
    });
    thread.on('exit', () => {
      if (worker === thread) stopped();
    });
    worker = thread;
    return thread;
  }

  const post = (message: DigestMessage) => started().postMessage(message);

  /** Asks the running thread; undefined when there is none (it has no digests) or it dies first. */
  function ask(message: DigestMessage & { id: number }): Promise<string | undefined> {
    if (worker === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      waiting.set(message.id, resolve);
      post(message);
    });
  }

  return {
    /** Part `number` of the upload (in `dir`) was stored: have what is now in order hashed. */
    partStored(uploadId: string, dir: string, number: number) {
      post({ type: 'stored', uploadId, dir, number });
    },

    /** The SHA-256 of `parts` joined, once the parts up to them are hashed; undefined if it isn't known. */
    sha256Of(uploadId: string, dir: string, parts: PartInfo[]): Promise<string | undefined> {
      return ask({ type: 'digest', id: ++lastId, uploadId, dir, etags: parts.map((part) => part.etag) });
    },

    /** Bytes [offset, offset + size) of `file`, a blob being put under `key`, were written: have them hashed. */
    rangeWritten(key: string, file: string, offset: number, size: number) {
      post({ type: 'range', key, file, offset, size });
    },

    /**
     * The SHA-256 of the `size` bytes written under `key`, once hashed (then `key` is forgotten);
     * undefined unless the thread hashed exactly those bytes.
     */
    sha256OfRanges(key: string, size: number): Promise<string | undefined> {
      return ask({ type: 'range-digest', id: ++lastId, key, size });
    },

    /** Drops what was hashed of a put (by its key) or of a multipart upload (by its id). */
    forget(key: string) {
      if (worker !== undefined) post({ type: 'forget', key });
    },

    async close() {
      const thread = worker;
      stopped();
      await thread?.terminate();
    },
  };
}
