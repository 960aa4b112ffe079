/**
 * What the load benchmark asks of the cluster: one user with a folder of BENCH_FILES small files,
 * and autocannon sending one workload's requests through nginx for a while.
 */
import { createRequire } from 'node:module';
import type { Cluster } from '../../deploy/start-cluster.ts';
import { type ApiHandle, apiJson } from '../support/api-server.ts';
import { BenchError } from '../support/processes.ts';
import { FILES, type Workload } from './settings.ts';

/** The part of autocannon's API this uses (it ships no types). */
interface LoadRequest {
  method: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: LoadRequest) => LoadRequest;
}
export interface LoadResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  requests: LoadRequest[];
}) => Promise<LoadResult>;

const USERNAME = 'loadbench';
const PASSWORD = 'load benchmark password';

export interface Seeded {
  token: string;
  folderId: string;
  fileIds: string[];
  /** A public link to the first file. */
  linkToken: string;
}

/** One user and a folder of FILES small files, uploaded 16 at a time. */
export async function seed(url: string): Promise<Seeded> {
  const api: ApiHandle = { url: `${url}/api/v1`, token: '' };
  const { token } = await apiJson<{ token: string }>(api, 'POST', '/auth/register', 201, {
    username: USERNAME,
    password: PASSWORD,
  });
  const user = { ...api, token };
  const folder = await apiJson<{ id: string }>(user, 'POST', '/folders', 201, {
    parentId: 'root',
    name: 'Thousand',
  });
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < FILES; i = next++) {
        const name = `file-${String(i).padStart(4, '0')}.txt`;
        const response = await fetch(`${api.url}/folders/${folder.id}/files/${name}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
          body: `file ${i}\n`,
        });
        if (response.status !== 201)
          throw new BenchError(`seeding file ${i}: ${response.status} ${await response.text()}`);
        ids.push(((await response.json()) as { id: string }).id);
      }
    }),
  );
  const link = await apiJson<{ token: string }>(user, 'POST', '/shares', 201, {
    nodeId: ids[0],
    kind: 'link',
  });
  return { token, folderId: folder.id, fileIds: ids, linkToken: link.token };
}

/** The request of `workload`, as autocannon sends it. */
function requestOf(workload: Workload, data: Seeded): LoadRequest {
  const auth = { authorization: `Bearer ${data.token}` };
  switch (workload) {
    case 'listing':
    case 'page':
      return {
        method: 'GET',
        path: `/api/v1/folders/${data.folderId}${workload === 'listing' ? '?limit=1000' : ''}`,
        headers: auth,
      };
    case 'metadata': {
      let index = 0;
      return {
        method: 'GET',
        headers: auth,
        setupRequest: (req) => {
          index = (index + 1) % data.fileIds.length;
          return { ...req, path: `/api/v1/files/${data.fileIds[index]}` };
        },
      };
    }
    case 'download':
      return { method: 'GET', path: `/api/v1/files/${data.fileIds[0]}/content`, headers: auth };
    case 'link-download':
      return { method: 'GET', path: `/api/v1/public/${data.linkToken}/content` };
    case 'login':
      return {
        method: 'POST',
        path: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
      };
  }
}

/** Sends `workload` through the cluster's nginx on `connections` connections for `seconds`. */
export function drive(
  cluster: Cluster,
  workload: Workload,
  data: Seeded,
  connections: number,
  seconds: number,
) {
  return autocannon({
    url: cluster.url,
    connections,
    duration: seconds,
    requests: [requestOf(workload, data)],
  });
}
