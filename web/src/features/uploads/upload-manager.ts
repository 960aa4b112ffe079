import type { ListUploadsResponse } from '../../api/types.gen';
import { ApiError, errorMessage } from '../../app/api-client';
import { type Clock, isAbort, systemClock, type TimerHandle } from './clock';
import { gzipIfSmaller } from './compression';
import { sendParts, sumSizes } from './send-parts';
import type { UploadSession, UploadTransport } from './upload-transport';

export type UploadStatus =
  | 'needs-file' // an unfinished session from before a reload: the user must pick the file again
  | 'queued'
  | 'compressing'
  | 'uploading'
  | 'paused'
  | 'completing'
  | 'done'
  | 'failed'
  | 'canceled';

export type UploadItem = {
  key: string;
  name: string;
  size: number;
  parentId: string;
  status: UploadStatus;
  /** Bytes sent of `totalBytes` (the stored size: smaller than `size` when gzipped). */
  sentBytes: number;
  totalBytes: number;
  encoding: 'identity' | 'gzip';
  /** Bytes per second over the last few seconds. */
  speed: number;
  error?: string;
  sessionId?: string;
};

type UnfinishedSession = ListUploadsResponse['uploads'][number];

type Internal = UploadItem & {
  file?: File;
  body?: Blob;
  controller?: AbortController;
  samples: { at: number; bytes: number }[];
};

const FILES_IN_FLIGHT = 2;
const SPEED_WINDOW_MS = 5000;
/** Progress reaches the page at most this often: every change re-renders what reads the queue. */
const PROGRESS_INTERVAL_MS = 250;
const DONE: ReadonlySet<UploadStatus> = new Set(['done', 'canceled']);

export type UploadManagerOptions = {
  transport: UploadTransport;
  clock?: Clock;
  /** A file was recorded in this folder. */
  onFileCommitted: (parentId: string) => void;
};

/**
 * The upload queue: resumable sessions, several parts in flight, pause / resume / cancel / retry,
 * and sessions left over from before a reload that continue once the file is picked again.
 * Framework-free; React reads it through `subscribe` / `getSnapshot`.
 */
export class UploadManager {
  private items = new Map<string, Internal>();
  private snapshot: UploadItem[] = [];
  private listeners = new Set<() => void>();
  private nextKey = 1;
  private progressTimer: TimerHandle | undefined;
  private stopWatchingConnection = () => {};
  private readonly transport: UploadTransport;
  private readonly clock: Clock;
  private readonly onFileCommitted: (parentId: string) => void;

  constructor(options: UploadManagerOptions) {
    this.transport = options.transport;
    this.clock = options.clock ?? systemClock;
    this.onFileCommitted = options.onFileCommitted;
  }

  /** Starts watching the connection: failed uploads restart when it comes back. */
  connect() {
    this.stopWatchingConnection();
    this.stopWatchingConnection = this.transport.onReconnect(() => this.retryFailed());
  }

  /**
   * Stops every transfer and empties the queue (the user signed out), so nothing carries over to
   * the next account in this tab. The sessions stay on the server, for this user to continue.
   */
  disconnect() {
    this.stopWatchingConnection();
    this.stopWatchingConnection = () => {};
    for (const item of this.items.values()) item.controller?.abort();
    this.items.clear();
    this.changed();
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = () => this.snapshot;

  /** Queues files for a folder; a file matching a session left from before a reload continues it. */
  add(files: { file: File; parentId: string }[]) {
    for (const { file, parentId } of files) {
      const waiting = [...this.items.values()].find(
        (item) =>
          item.status === 'needs-file' &&
          item.name === file.name &&
          item.size === file.size &&
          item.parentId === parentId,
      );
      if (waiting) {
        this.attachFile(waiting.key, file);
        continue;
      }
      const key = `u${this.nextKey++}`;
      this.items.set(key, {
        key,
        name: file.name,
        size: file.size,
        parentId,
        status: 'queued',
        sentBytes: 0,
        totalBytes: file.size,
        encoding: 'identity',
        speed: 0,
        file,
        samples: [],
      });
    }
    this.changed();
    this.pump();
  }

  /** Shows the server's unfinished sessions that this page doesn't know (after a reload). */
  adoptUnfinished(sessions: UnfinishedSession[]) {
    const known = new Set([...this.items.values()].map((item) => item.sessionId));
    for (const session of sessions) {
      if (session.status !== 'open' || known.has(session.id)) continue;
      const key = `u${this.nextKey++}`;
      this.items.set(key, {
        key,
        name: session.name,
        size: session.size,
        parentId: session.parentId ?? 'root',
        status: 'needs-file',
        sentBytes: 0,
        totalBytes: session.storedSize,
        encoding: session.encoding,
        speed: 0,
        sessionId: session.id,
        samples: [],
      });
      // How far it got, for the panel.
      void this.transport
        .getSession(session.id)
        .then((fresh) => {
          const item = this.items.get(key);
          if (item?.status === 'needs-file') this.update(item, { sentBytes: sumSizes(fresh.uploadedParts) });
        })
        .catch(() => {});
    }
    this.changed();
  }

  /** The user picked the file again for a session from before a reload. */
  attachFile(key: string, file: File): string | null {
    const item = this.items.get(key);
    if (!item) return null;
    if (file.name !== item.name || file.size !== item.size) {
      return `That is not the same file: expected “${item.name}” of ${item.size} bytes.`;
    }
    this.update(item, { file, status: 'queued', error: undefined });
    this.pump();
    return null;
  }

  pause(key: string) {
    const item = this.items.get(key);
    if (!item || !['queued', 'compressing', 'uploading'].includes(item.status)) return;
    item.controller?.abort();
    this.update(item, { status: 'paused', speed: 0 });
    this.pump();
  }

  resume(key: string) {
    const item = this.items.get(key);
    if (item?.status === 'paused') this.update(item, { status: 'queued' });
    this.pump();
  }

  retry(key: string) {
    const item = this.items.get(key);
    if (item?.status === 'failed')
      this.update(item, { status: item.file ? 'queued' : 'needs-file', error: undefined });
    this.pump();
  }

  cancel(key: string) {
    const item = this.items.get(key);
    if (!item || DONE.has(item.status)) return;
    item.controller?.abort();
    if (item.sessionId) void this.transport.abortSession(item.sessionId).catch(() => {});
    this.update(item, { status: 'canceled', speed: 0 });
    this.pump();
  }

  /** Removes finished and canceled uploads from the list. */
  clearFinished() {
    for (const [key, item] of this.items) if (DONE.has(item.status)) this.items.delete(key);
    this.changed();
  }

  private retryFailed() {
    for (const item of this.items.values()) if (item.status === 'failed' && item.file) item.status = 'queued';
    this.changed();
    this.pump();
  }

  private pump() {
    const items = [...this.items.values()];
    let active = items.filter((item) =>
      ['compressing', 'uploading', 'completing'].includes(item.status),
    ).length;
    for (const item of items) {
      if (active >= FILES_IN_FLIGHT) break;
      if (item.status !== 'queued') continue;
      active++;
      void this.run(item);
    }
  }

  private async run(item: Internal) {
    const controller = new AbortController();
    item.controller = controller;
    const { signal } = controller;
    try {
      const file = item.file;
      if (!file) throw new Error('Pick the file again to continue.');
      if (!item.body) {
        this.update(item, { status: 'compressing' });
        const gzipped = await gzipIfSmaller(file);
        item.body = gzipped ?? file;
        item.encoding = gzipped ? 'gzip' : 'identity';
      }
      signal.throwIfAborted();
      const body = item.body;
      this.update(item, { status: 'uploading', totalBytes: body.size, encoding: item.encoding });

      let session = item.sessionId ? await this.reopen(item, body) : null;
      if (!session) {
        session = await this.transport.createSession({
          parentId: item.parentId,
          name: item.name,
          size: item.size,
          storedSize: body.size,
          contentType: file.type || undefined,
          encoding: item.encoding,
          onConflict: 'rename',
        });
        this.update(item, { sessionId: session.id });
      }
      signal.throwIfAborted();
      await sendParts({
        transport: this.transport,
        clock: this.clock,
        body,
        session,
        signal,
        onSent: (sentBytes) => this.progress(item, sentBytes),
      });
      this.update(item, { status: 'completing', sentBytes: body.size, speed: 0 });
      await this.transport.completeSession(session.id);
      this.update(item, { status: 'done', file: undefined, body: undefined });
      this.onFileCommitted(item.parentId);
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      this.update(item, { status: 'failed', speed: 0, error: errorMessage(error) });
    } finally {
      if (item.controller === controller) item.controller = undefined;
      this.pump();
    }
  }

  /** The session to continue, or null when it is gone or no longer fits the bytes to send. */
  private async reopen(item: Internal, body: Blob): Promise<UploadSession | null> {
    const id = item.sessionId as string;
    try {
      const session = await this.transport.getSession(id);
      if (session.status === 'open' && session.storedSize === body.size && session.encoding === item.encoding)
        return session;
      if (session.status === 'open') await this.transport.abortSession(id).catch(() => {});
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    item.sessionId = undefined;
    return null;
  }

  private progress(item: Internal, sentBytes: number) {
    const now = this.clock.now();
    item.samples.push({ at: now, bytes: sentBytes });
    while (item.samples.length > 2 && (item.samples[0]?.at ?? now) < now - SPEED_WINDOW_MS)
      item.samples.shift();
    const oldest = item.samples[0];
    const elapsed = oldest ? (now - oldest.at) / 1000 : 0;
    const speed = oldest && elapsed > 0.2 ? (sentBytes - oldest.bytes) / elapsed : item.speed;
    Object.assign(item, { sentBytes, speed: Math.max(0, speed) });
    this.progressTimer ??= this.clock.setTimeout(() => this.changed(), PROGRESS_INTERVAL_MS);
  }

  private update(item: Internal, patch: Partial<Internal>) {
    Object.assign(item, patch);
    if (patch.status && patch.status !== 'uploading') item.samples = [];
    this.changed();
  }

  private changed() {
    this.clock.clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    this.snapshot = [...this.items.values()].map(
      ({ key, name, size, parentId, status, sentBytes, totalBytes, encoding, speed, error, sessionId }) => ({
        key,
        name,
        size,
        parentId,
        status,
        sentBytes,
        totalBytes,
        encoding,
        speed,
        error,
        sessionId,
      }),
    );
    for (const listener of this.listeners) listener();
  }
}
