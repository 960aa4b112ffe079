import { abortUpload, completeUpload, createUpload, getUpload } from '../../api/sdk.gen';
import { ApiError, unwrap } from '../../app/api-client';
import { abortError } from './clock';
import { contentMd5 } from './content-md5';
import type { PartToSend, UploadTransport } from './upload-transport';

/** A part that makes no progress for this long (a dead connection, a hung server) is given up. */
const STALL_MS = 120_000;

/** The upload queue's way to the server: the generated API client, and parts by XMLHttpRequest. */
export const httpTransport: UploadTransport = {
  compresses: true,
  createSession: (body) => unwrap(createUpload({ body })),
  getSession: (id) => unwrap(getUpload({ path: { id } })),
  completeSession: async (id) => {
    await unwrap(completeUpload({ path: { id } }));
  },
  abortSession: async (id) => {
    await unwrap(abortUpload({ path: { id } }));
  },
  sendPart: async (part) =>
    putPart(
      part,
      // A store behind a presigned URL checks Content-MD5, and no other part of Fileshare sees
      // those bytes. The API's own part URLs go without it: the bytes reach the server as a simple
      // upload's do, and it takes the file's SHA-256 as it completes. Hashing every part in the
      // page would cost more time than sending it.
      part.onTheApi ? undefined : await contentMd5(part.body),
    ),
  onReconnect: whenOnlineAgain,
};

/** Calls `listener` each time the browser is back online; answers a function that stops that. */
export function whenOnlineAgain(listener: () => void) {
  window.addEventListener('online', listener);
  return () => window.removeEventListener('online', listener);
}

/**
 * PUTs one part with XMLHttpRequest, for its upload progress events. Presigned store URLs must go
 * without credentials; the API's own part URLs are same-origin and carry the session cookie.
 */
export function putPart(part: PartToSend, md5: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', part.url);
    xhr.withCredentials = part.onTheApi;
    if (md5 !== undefined) xhr.setRequestHeader('Content-MD5', md5);
    let stalled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const watch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        xhr.abort();
      }, STALL_MS);
    };
    xhr.onloadend = () => clearTimeout(timer);
    xhr.upload.onprogress = (event) => {
      watch();
      part.onProgress(event.loaded);
    };
    xhr.upload.onload = watch;
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      reject(refusal(xhr));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The connection was lost.'));
    xhr.onabort = () => reject(stalled ? new ApiError(0, 'part_stalled', 'The part stalled.') : abortError());
    part.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    if (part.signal.aborted) return xhr.abort();
    watch();
    xhr.send(part.body);
  });
}

function refusal(xhr: XMLHttpRequest): ApiError {
  try {
    const parsed = JSON.parse(xhr.responseText) as { error?: { code?: string; message?: string } };
    if (parsed.error?.message)
      return new ApiError(xhr.status, parsed.error.code ?? 'part_refused', parsed.error.message);
  } catch {
    // Not our JSON (a store's XML error): keep the status line.
  }
  return new ApiError(xhr.status, 'part_refused', `The part was refused (${xhr.status}).`);
}
