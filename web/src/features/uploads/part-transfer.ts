import SparkMD5 from 'spark-md5';

/** Base64 MD5 of a part, for Content-MD5 (the store and the API check it). */
export async function md5Base64(blob: Blob): Promise<string> {
  const hex = SparkMD5.ArrayBuffer.hash(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < hex.length; i += 2)
    binary += String.fromCharCode(Number.parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}

const STALL_MS = 120_000;

export class PartError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * PUTs one part with XMLHttpRequest, for its upload progress events. Presigned store URLs must go
 * without credentials; the API's own part URLs are same-origin and carry the session cookie.
 */
export function putPart(options: {
  url: string;
  body: Blob;
  md5: string;
  withCredentials: boolean;
  signal: AbortSignal;
  onProgress: (loaded: number) => void;
}): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', options.url);
    xhr.withCredentials = options.withCredentials;
    xhr.setRequestHeader('Content-MD5', options.md5);
    // A part that makes no progress for this long (a dead connection, a hung server) is given up
    // and retried, instead of waiting forever.
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
      options.onProgress(event.loaded);
    };
    xhr.upload.onload = watch;
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      let message = `The part was refused (${xhr.status}).`;
      try {
        const parsed = JSON.parse(xhr.responseText) as { error?: { message?: string } };
        if (parsed.error?.message) message = parsed.error.message;
      } catch {
        // Not our JSON (a store's XML error): keep the status line.
      }
      reject(new PartError(xhr.status, message));
    };
    xhr.onerror = () => reject(new PartError(0, 'The connection was lost.'));
    xhr.onabort = () =>
      reject(stalled ? new PartError(0, 'The part stalled.') : new DOMException('Aborted', 'AbortError'));
    options.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    if (options.signal.aborted) return xhr.abort();
    watch();
    xhr.send(options.body);
  });
}
