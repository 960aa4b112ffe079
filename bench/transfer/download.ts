/** The download by curl: `GET /files/<id>/content` from the API, or the same file's path from nginx. */
import { curlDownload } from '../support/curl.ts';
import { BenchError } from '../support/processes.ts';
import type { Servers } from './servers.ts';

/** Downloads `id` (a node id on the API, a file name on nginx and the bare Node server) and checks the byte count. */
export async function download(
  servers: Servers,
  side: 'api' | 'nginx' | 'node',
  id: string,
  size: number,
  what: string,
) {
  const result =
    side !== 'api'
      ? await curlDownload(`${servers[side].url}/${id}`, [], what)
      : await curlDownload(
          `${servers.api.url}/files/${id}/content`,
          [`Authorization: Bearer ${servers.api.token}`],
          what,
        );
  if (result.status !== 200) throw new BenchError(`${what}: answered ${result.status}`);
  if (result.bytes !== size)
    throw new BenchError(`${what}: received ${result.bytes} bytes, expected ${size}`);
  return result;
}
