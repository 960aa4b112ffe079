import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { DigestRange, DigestState } from './fs.digest-worker.ts';

/** Ranges written one after another are sent to the thread in pieces of about this size. */
const RANGE_BYTES = 1024 * 1024;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * A SHA-256 taken by the digest thread (fs.digest-worker.ts) over bytes as they are written, in
 * order, so that the server's main thread never spends its time hashing. It is only a shortcut:
 * asked for a size it didn't hash exactly, or once the thread failed or died, it answers undefined,
 * and the store reads the file back instead.
 */
export interface RunningDigest {
  /** Bytes [start, end) of `file` were written, right after the last range: hash them next. */
  add(file: string, start: number, end: number): void;
  /** The SHA-256 of the first `size` bytes, once hashed; undefined unless exactly those were hashed. */
  sha256(size: number): Promise<string | undefined>;
  close(): void;
}

function runningDigest(port: MessagePort): RunningDigest {
  let pending: DigestRange | undefined;
  /** Where the last range sent to the thread ends. */
  let sent = 0;
  let state: DigestState = { end: 0, sha256: EMPTY_SHA256 };
  let closed = false;
  const waiting = new Set<() => void>();
  const wake = () => {
    for (const resolve of waiting) resolve();
    waiting.clear();
  };
  port.on('message', (next: DigestState) => {
    state = next;
    wake();
  });
  // The thread failed or died, or the digest was closed: nothing more will be answered.
  port.on('close', () => {
    closed = true;
    wake();
  });
  // Never what keeps the server running.
  port.unref();

  function send() {
    if (pending === undefined || closed) return;
    port.postMessage(pending);
    sent = pending.end;
    pending = undefined;
  }

  function close() {
    closed = true;
    port.close();
    wake();
  }

  return {
    add(file, start, end) {
      if (closed) return;
      // A gap or an overlap would make the digest one of other bytes than the file's.
      if (start !== (pending?.end ?? sent)) return close();
      if (pending?.file === file) pending.end = end;
      else {
        send();
        pending = { file, start, end };
      }
      if (pending.end - pending.start >= RANGE_BYTES) send();
    },
    async sha256(size) {
      send();
      while (!closed && 'end' in state && state.end < sent) {
        await new Promise<void>((resolve) => waiting.add(resolve));
      }
      return 'end' in state && state.end === sent && sent === size && pending === undefined
        ? state.sha256
        : undefined;
    },
    close,
  };
}

/** The digest thread, started when first needed and again after it died. */
export function createDigestThread() {
  let worker: Worker | undefined;

  function started(): Worker {
    if (worker !== undefined) return worker;
    const thread = new Worker(new URL('./fs.digest-worker.ts', import.meta.url));
    // Never what keeps the server running.
    thread.unref();
    // Its ports close with it, which ends every digest it was taking.
    const gone = () => {
      if (worker === thread) worker = undefined;
    };
    thread.on('error', gone).on('exit', gone);
    worker = thread;
    return thread;
  }

  return {
    /** A new digest, of nothing yet. */
    start(): RunningDigest {
      const { port1, port2 } = new MessageChannel();
      started().postMessage(port2, [port2]);
      return runningDigest(port1);
    },
    async close() {
      const thread = worker;
      worker = undefined;
      await thread?.terminate();
    },
  };
}

export type DigestThread = ReturnType<typeof createDigestThread>;
