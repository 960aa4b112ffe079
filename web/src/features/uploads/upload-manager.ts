import { errorMessage } from '../../app/api-client';
import { type Clock, isAbort, systemClock, type TimerHandle } from './clock';
import { sumSizes } from './send-parts';
import { sendUpload } from './send-upload';
import {
  type QueuedUpload,
  queuedUpload,
  recordProgress,
  shownUpload,
  type UnfinishedSession,
  type UploadItem,
  type UploadStatus,
  waitingUpload,
} from './upload-items';
import type { UploadTransport } from './upload-transport';

const FILES_IN_FLIGHT = 2;
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
  private items = new Map<string, QueuedUpload>();
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
      this.items.set(key, queuedUpload(key, file, parentId));
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
      this.items.set(key, waitingUpload(key, session));
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

  private async run(item: QueuedUpload) {
    const controller = new AbortController();
    item.controller = controller;
    const { signal } = controller;
    try {
      await sendUpload({
        transport: this.transport,
        clock: this.clock,
        upload: item,
        signal,
        update: (patch) => {
          // Canceled while its session was being made: that session goes too.
          if (patch.sessionId && item.status === 'canceled')
            void this.transport.abortSession(patch.sessionId).catch(() => {});
          this.update(item, patch);
        },
        onSent: (sentBytes) => this.progress(item, sentBytes),
      });
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

  private progress(item: QueuedUpload, sentBytes: number) {
    recordProgress(item, sentBytes, this.clock.now());
    this.progressTimer ??= this.clock.setTimeout(() => this.changed(), PROGRESS_INTERVAL_MS);
  }

  private update(item: QueuedUpload, patch: Partial<QueuedUpload>) {
    Object.assign(item, patch);
    if (patch.status && patch.status !== 'uploading') item.samples = [];
    this.changed();
  }

  private changed() {
    this.clock.clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    this.snapshot = [...this.items.values()].map(shownUpload);
    for (const listener of this.listeners) listener();
  }
}
