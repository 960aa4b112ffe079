import { Worker } from 'node:worker_threads';
import type { PartInfo } from './blob-store.ts';
import type { DigestMessage, DigestReply } from './fs.digest-worker.ts';

/**
 * The SHA-256 of each local multipart upload, taken while its parts arrive, by a thread of its own
 * (fs.digest-worker.ts), so that completing need not read the whole file back and the server's
 * main thread never spends its time hashing. It is only a shortcut: a digest is given out only if
 * the parts it hashed are, by their etags, the parts being joined. A part sent again after it was
 * hashed, a restart, a thread that died, or parts stored by another instance all mean the file is
 * read back at completion, as without it.
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

  return {
    /** Part `number` of the upload (in `dir`) was stored: have what is now in order hashed. */
    partStored(uploadId: string, dir: string, number: number) {
      post({ type: 'stored', uploadId, dir, number });
    },

    /** The SHA-256 of `parts` joined, once the parts up to them are hashed; undefined if it isn't known. */
    sha256Of(uploadId: string, dir: string, parts: PartInfo[]): Promise<string | undefined> {
      if (worker === undefined) return Promise.resolve(undefined);
      const id = ++lastId;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        post({ type: 'digest', id, uploadId, dir, etags: parts.map((part) => part.etag) });
      });
    },

    forget(uploadId: string) {
      if (worker !== undefined) post({ type: 'forget', uploadId });
    },

    async close() {
      const thread = worker;
      stopped();
      await thread?.terminate();
    },
  };
}
