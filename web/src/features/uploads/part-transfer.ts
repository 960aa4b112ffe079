import SparkMD5 from 'spark-md5';

/**
 * Base64 MD5 of a part, for Content-MD5 (the store checks it on arrival and refuses a corrupted
 * part). Read as a stream, so a part is never held in memory whole.
 */
export async function md5Base64(blob: Blob): Promise<string> {
  const md5 = new SparkMD5.ArrayBuffer();
  const reader = blob.stream().getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    const { buffer, byteOffset, byteLength } = chunk.value;
    const whole = byteOffset === 0 && byteLength === buffer.byteLength;
    md5.append((whole ? buffer : chunk.value.slice().buffer) as ArrayBuffer);
  }
  return btoa(md5.end(true));
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
  /** Content-MD5, when the target should check the part against it. */
  md5?: string;
  withCredentials: boolean;
  signal: AbortSignal;
  onProgress: (loaded: number) => void;
}): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', options.url);
    xhr.withCredentials = options.withCredentials;
    if (options.md5 !== undefined) xhr.setRequestHeader('Content-MD5', options.md5);
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
