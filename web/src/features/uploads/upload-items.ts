import type { ListUploadsResponse } from '../../api/types.gen';

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

/** An upload as the page shows it. */
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

export type UnfinishedSession = ListUploadsResponse['uploads'][number];

/** An upload as the queue holds it: the file, what is sent of it, and how to stop it. */
export type QueuedUpload = UploadItem & {
  file?: File;
  body?: Blob;
  controller?: AbortController;
  samples: { at: number; bytes: number }[];
};

const SPEED_WINDOW_MS = 5000;

/** A file picked for a folder, not started yet. */
export function queuedUpload(key: string, file: File, parentId: string): QueuedUpload {
  return {
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
  };
}

/** A session left from before a reload, waiting for its file to be picked again. */
export function waitingUpload(key: string, session: UnfinishedSession): QueuedUpload {
  return {
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
  };
}

/** What the page may see of an upload. */
export function shownUpload({
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
}: QueuedUpload): UploadItem {
  return { key, name, size, parentId, status, sentBytes, totalBytes, encoding, speed, error, sessionId };
}

/** Records `sentBytes` at `now`, and the speed over the last few seconds. */
export function recordProgress(upload: QueuedUpload, sentBytes: number, now: number) {
  upload.samples.push({ at: now, bytes: sentBytes });
  while (upload.samples.length > 2 && (upload.samples[0]?.at ?? now) < now - SPEED_WINDOW_MS)
    upload.samples.shift();
  const oldest = upload.samples[0];
  const elapsed = oldest ? (now - oldest.at) / 1000 : 0;
  const speed = oldest && elapsed > 0.2 ? (sentBytes - oldest.bytes) / elapsed : upload.speed;
  Object.assign(upload, { sentBytes, speed: Math.max(0, speed) });
}
