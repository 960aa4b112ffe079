import { createMD5 } from 'hash-wasm';

/**
 * Base64 MD5 of a part, for Content-MD5 (the store checks it on arrival and refuses a corrupted
 * part). Read as a stream, so a part is never held in memory whole.
 */
export async function contentMd5(blob: Blob): Promise<string> {
  const md5 = await createMD5();
  const reader = blob.stream().getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) md5.update(chunk.value);
  return btoa(String.fromCharCode(...md5.digest('binary')));
}
