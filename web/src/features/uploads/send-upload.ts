import { ApiError } from '../../app/api-client';
import type { Clock } from './clock';
import { gzipIfSmaller } from './compression';
import { sendParts } from './send-parts';
import type { QueuedUpload } from './upload-items';
import type { UploadSession, UploadTransport } from './upload-transport';

/**
 * Takes one upload from its file to a recorded file: gzipped when that makes it smaller, into its
 * session (the one it had, while that still fits, or a new one), part by part, then completed.
 * `update` hears each change of state, `onSent` the bytes sent so far; `signal` stops it.
 */
export async function sendUpload(options: {
  transport: UploadTransport;
  clock: Clock;
  upload: QueuedUpload;
  signal: AbortSignal;
  update: (patch: Partial<QueuedUpload>) => void;
  onSent: (bytes: number) => void;
}) {
  const { transport, upload, signal, update } = options;
  const file = upload.file;
  if (!file) throw new Error('Pick the file again to continue.');
  if (!upload.body) {
    if (transport.compresses) update({ status: 'compressing' });
    const gzipped = transport.compresses ? await gzipIfSmaller(file) : null;
    upload.body = gzipped ?? file;
    upload.encoding = gzipped ? 'gzip' : 'identity';
  }
  signal.throwIfAborted();
  const body = upload.body;
  update({ status: 'uploading', totalBytes: body.size, encoding: upload.encoding });

  if (transport.whole && body.size <= transport.whole.maxBytes) {
    await transport.whole.send({ name: upload.name, body, signal, onProgress: options.onSent });
    return;
  }

  let session = upload.sessionId ? await reopen(transport, upload, body) : null;
  if (!session) {
    session = await transport.createSession({
      parentId: upload.parentId,
      name: upload.name,
      size: upload.size,
      storedSize: body.size,
      contentType: file.type || undefined,
      encoding: upload.encoding,
      onConflict: 'rename',
    });
    update({ sessionId: session.id });
  }
  signal.throwIfAborted();
  await sendParts({ transport, clock: options.clock, body, session, signal, onSent: options.onSent });
  update({ status: 'completing', sentBytes: body.size, speed: 0 });
  await transport.completeSession(session.id);
}

/** The session to continue, or null when it is gone or no longer fits the bytes to send. */
async function reopen(
  transport: UploadTransport,
  upload: QueuedUpload,
  body: Blob,
): Promise<UploadSession | null> {
  const id = upload.sessionId as string;
  try {
    const session = await transport.getSession(id);
    if (
      session.status === 'open' &&
      session.storedSize === body.size &&
      (session.encoding ?? 'identity') === upload.encoding
    )
      return session;
    if (session.status === 'open') await transport.abortSession(id).catch(() => {});
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  upload.sessionId = undefined;
  return null;
}
