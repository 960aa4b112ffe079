/**
 * The simple upload, one `PUT` with the whole file as its body: to the API
 * (`PUT /folders/root/files/<name>`), to nginx (dav module) or to the bare Node server, all by curl,
 * all checked.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { curlSimpleUpload, curlUpload } from '../support/curl.ts';
import type { TestFile } from '../support/files.ts';
import { BenchError } from '../support/processes.ts';
import type { Servers } from './servers.ts';

/** Uploads `file` as `name`; checks the size stored (and the SHA-256 the API recorded). */
export async function simpleUpload(
  servers: Servers,
  side: 'api' | 'nginx' | 'node',
  file: TestFile,
  name: string,
  what: string,
) {
  if (side === 'api') return curlSimpleUpload(servers.api, file, name, servers.responseFile, what);
  if (side === 'node') {
    const result = await curlUpload(`${servers.node.url}/${name}`, file.path, [], servers.responseFile, what);
    const stored = JSON.parse(await readFile(servers.responseFile, 'utf8')) as {
      size?: number;
      sha256?: string;
    };
    if (result.status !== 201 || stored.size !== file.size || stored.sha256 !== file.sha256)
      throw new BenchError(
        `${what}: the bare Node server answered ${result.status} ${JSON.stringify(stored)}`,
      );
    return { ...result, id: name };
  }
  const url = `${servers.nginx.url}/${name}`;
  const result = await curlUpload(url, file.path, [], servers.responseFile, what);
  if (result.status !== 201 && result.status !== 204)
    throw new BenchError(`${what}: nginx answered ${result.status}`);
  const stored = await stat(path.join(servers.nginx.www, name));
  if (stored.size !== file.size)
    throw new BenchError(`${what}: nginx stored ${stored.size} bytes, sent ${file.size}`);
  return { ...result, id: name };
}
