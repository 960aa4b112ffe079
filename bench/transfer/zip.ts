/**
 * The zip download: `GET /zip?ids=<id>` of the uploaded file, a stored (uncompressed) zip the API
 * streams as it reads the blob, by curl; against nginx serving the same file.
 */
import { curlDownload } from '../support/curl.ts';
import { BenchError } from '../support/processes.ts';
import type { Servers } from './servers.ts';

/** A stored zip of one file is the file and a few hundred bytes of headers and central directory. */
const MAX_ZIP_OVERHEAD = 4096;

export async function zipDownload(servers: Servers, id: string, size: number, what: string) {
  const { api } = servers;
  const url = `${api.url}/zip?ids=${encodeURIComponent(id)}&name=bench`;
  const result = await curlDownload(url, [`Authorization: Bearer ${api.token}`], what);
  if (result.status !== 200) throw new BenchError(`${what}: answered ${result.status}`);
  if (result.bytes < size || result.bytes > size + MAX_ZIP_OVERHEAD) {
    throw new BenchError(`${what}: received ${result.bytes} bytes for a zip of ${size}`);
  }
  return result;
}
