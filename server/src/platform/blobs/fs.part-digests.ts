import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { PartInfo } from './blob-store.ts';
import type { StoredPart } from './fs.part-markers.ts';

/** Bytes [start, end) of `file`, for the digest thread (fs.digest-worker.mjs) to hash next. */
export interface DigestRange {
  file: string;
  start: number;
  end: number;
}

/** What the thread answers: the SHA-256 of every range so far, the last ending at `end`; or why it failed. */
export type DigestState = { end: number; sha256: string } | { error: string };

/**
 * An upload that gets no part for this long is no longer followed here; its session has expired by
 * then (or another instance's collector aborted it), and should it complete after all, the file is
 * read back.
 */
const IDLE_MS = 24 * 60 * 60 * 1000;
/**
 * The digest thread stops once it has followed no upload for this long, and starts again when
 * needed. An upload is followed from its first part until it completes, is aborted or forgotten
 * (IDLE_MS): the thread holds its digest so far.
 */
const THREAD_IDLE_MS = 60_000;

type Placed = StoredPart & { offset: number };

interface UploadDigest {
  /** Its port to the digest thread, which hashes every range sent on it in order. */
  port: MessagePort;
  /** The next part to hash; every part before it was sent to the thread, ending at `end`. */
  next: number;
  end: number;
  /** The etag of every part sent to be hashed, in order. */
  etags: string[];
  /** Parts stored past the first gap, waiting for the parts before them. */
  ahead: Map<number, Placed>;
  /** What the thread last answered. */
  state: DigestState;
  /** A read back failed, the thread died, or the upload was forgotten: the digest is of no use. */
  broken: boolean;
  /** sha256Of() calls waiting for the thread to catch up. */
  waiting: (() => void)[];
  idle: NodeJS.Timeout;
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * The SHA-256 of each local multipart upload, taken as its parts come to be in order, so that
 * completing need not read the whole file back. Each part, once stored and flushed and with every
 * part before it stored, is read back from the page cache and hashed by a thread of its own
 * (fs.digest-worker.mjs): parts usually arrive several at a time, so all but the first would be
 * read back anyway, and there the read and the hash cost less than on the main thread, which they
 * no longer hold up. The digest counts only if the parts it hashed are, by their etags, the parts
 * being joined: a part sent again after it was hashed, a restart, a failed read, the thread's death
 * or parts stored by another instance all mean the file is read back, as without it.
 */
export function createPartDigests(options: { threadIdleMs?: number } = {}) {
  const threadIdleMs = options.threadIdleMs ?? THREAD_IDLE_MS;
  const uploads = new Map<string, UploadDigest>();
  let worker: Worker | undefined;
  let workerIdle: NodeJS.Timeout | undefined;

  /** The digest thread, started when first needed and again after it stopped or died. */
  function thread(): Worker {
    if (workerIdle !== undefined) clearTimeout(workerIdle);
    workerIdle = undefined;
    if (worker !== undefined) return worker;
    const started = new Worker(new URL('./fs.digest-worker.mjs', import.meta.url), { name: 'digest' });
    // Never what keeps the server running.
    started.unref();
    // Its ports close with it, which breaks every digest it was taking.
    const gone = () => {
      if (worker === started) worker = undefined;
    };
    started.on('error', gone).on('exit', gone);
    worker = started;
    return started;
  }

  function stopThreadWhenIdle() {
    if (uploads.size > 0 || worker === undefined || workerIdle !== undefined) return;
    workerIdle = setTimeout(() => {
      workerIdle = undefined;
      const idle = worker;
      worker = undefined;
      void idle?.terminate();
    }, threadIdleMs).unref();
  }

  function wake(upload: UploadDigest) {
    for (const resolve of upload.waiting.splice(0)) resolve();
  }

  function forget(uploadId: string) {
    const upload = uploads.get(uploadId);
    if (upload === undefined) return;
    clearTimeout(upload.idle);
    upload.broken = true;
    upload.port.close();
    wake(upload);
    uploads.delete(uploadId);
    stopThreadWhenIdle();
  }

  function followed(uploadId: string): UploadDigest {
    const known = uploads.get(uploadId);
    if (known !== undefined) {
      known.idle.refresh();
      return known;
    }
    const { port1, port2 } = new MessageChannel();
    thread().postMessage(port2, [port2]);
    const idle = setTimeout(() => forget(uploadId), IDLE_MS).unref();
    const upload: UploadDigest = {
      port: port1,
      next: 1,
      end: 0,
      etags: [],
      ahead: new Map(),
      state: { end: 0, sha256: EMPTY_SHA256 },
      broken: false,
      waiting: [],
      idle,
    };
    port1.on('message', (state: DigestState) => {
      upload.state = state;
      if ('error' in state) upload.broken = true;
      wake(upload);
    });
    // The thread failed or died, or the upload was forgotten: nothing more will be answered.
    port1.on('close', () => {
      upload.broken = true;
      wake(upload);
    });
    // Never what keeps the server running.
    port1.unref();
    uploads.set(uploadId, upload);
    return upload;
  }

  /** Sends the thread, in order, the parts stored ahead that nothing stands before any more. */
  function catchUp(upload: UploadDigest, data: string) {
    for (let part = upload.ahead.get(upload.next); part !== undefined && !upload.broken; ) {
      upload.ahead.delete(upload.next);
      // A gap or an overlap would make the digest one of other bytes than the file's.
      if (part.offset !== upload.end) {
        upload.broken = true;
        return;
      }
      upload.port.postMessage({
        file: data,
        start: part.offset,
        end: part.offset + part.size,
      } satisfies DigestRange);
      upload.etags.push(part.etag);
      upload.next += 1;
      upload.end = part.offset + part.size;
      part = upload.ahead.get(upload.next);
    }
  }

  return {
    /** Part `number`, at `offset` in `data`, was stored and flushed: hash what is now in order. */
    stored(uploadId: string, data: string, number: number, part: Placed) {
      const upload = followed(uploadId);
      if (number >= upload.next) upload.ahead.set(number, part);
      // Else sent to be hashed already: its etag now differs from the one hashed, so the digest won't be used.
      catchUp(upload, data);
    },

    /** The SHA-256 of `parts` joined, if they are the parts hashed; undefined otherwise. */
    async sha256Of(uploadId: string, parts: PartInfo[]): Promise<string | undefined> {
      const upload = uploads.get(uploadId);
      if (upload === undefined) return undefined;
      const caughtUp = () => upload.broken || ('end' in upload.state && upload.state.end === upload.end);
      while (!caughtUp()) await new Promise<void>((resolve) => upload.waiting.push(resolve));
      const same =
        !upload.broken &&
        upload.etags.length === parts.length &&
        parts.every((part, i) => part.number === i + 1 && part.etag === upload.etags[i]);
      return same && 'end' in upload.state ? upload.state.sha256 : undefined;
    },

    forget,

    /** Whether the digest thread is running. */
    threadRunning(): boolean {
      return worker !== undefined;
    },

    close() {
      for (const uploadId of [...uploads.keys()]) forget(uploadId);
      if (workerIdle !== undefined) clearTimeout(workerIdle);
      workerIdle = undefined;
      const open = worker;
      worker = undefined;
      void open?.terminate();
    },
  };
}
