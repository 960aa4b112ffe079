/**
 * The scale benchmark's measurements, all through the API over HTTP: latencies of searches and of
 * the big folder's first page, and the time of trashing, restoring and moving a large subtree, each
 * checked for the right answer.
 */
import { type ApiHandle, apiJson } from '../support/api-server.ts';
import { BenchError } from '../support/processes.ts';
import type { Generated } from './tree.ts';

const WARM_UP = 5;

export interface Latency {
  name: string;
  requests: number;
  p50: number;
  p99: number;
  max: number;
  /** What the answers held (hits on the first page, children listed): the same in every request. */
  items: number;
}

/** The q-th quantile of sorted values, by the nearest rank. */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

async function timedGet(api: ApiHandle, route: string) {
  const started = performance.now();
  const response = await fetch(`${api.url}${route}`, { headers: { authorization: `Bearer ${api.token}` } });
  const text = await response.text();
  const ms = performance.now() - started;
  if (response.status !== 200) throw new BenchError(`GET ${route} answered ${response.status}: ${text}`);
  return { ms, body: JSON.parse(text) as unknown };
}

/** `requests` GETs of `route` one after another (after a few untimed), and their latencies. */
async function latencyOf(
  api: ApiHandle,
  name: string,
  route: string,
  requests: number,
  count: (body: unknown) => number,
): Promise<Latency> {
  let items = -1;
  const times: number[] = [];
  for (let i = 0; i < WARM_UP + requests; i++) {
    const { ms, body } = await timedGet(api, route);
    const n = count(body);
    if (items !== -1 && n !== items) throw new BenchError(`GET ${route} answered ${n} items, then ${items}`);
    items = n;
    if (i >= WARM_UP) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return {
    name,
    requests,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    max: times.at(-1) ?? 0,
    items,
  };
}

interface FoundPage {
  items: { node: { name: string } }[];
}
interface FolderPage {
  children: { id: string; name: string; size: number | null }[];
  nextCursor: string | null;
}

/** Searches for each query: the first page (50 hits), each hit checked to hold the query. */
export async function measureSearches(api: ApiHandle, queries: Record<string, string>, requests: number) {
  const results: Latency[] = [];
  for (const [kind, q] of Object.entries(queries)) {
    const folded = (name: string) => name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    results.push(
      await latencyOf(
        api,
        `search ${kind} "${q}"`,
        `/search?q=${encodeURIComponent(q)}`,
        requests,
        (body) => {
          const { items } = body as FoundPage;
          const wrong = items.find((item) => !folded(item.node.name).includes(q));
          if (wrong !== undefined) throw new BenchError(`search "${q}" found "${wrong.node.name}"`);
          if (items.length === 0) throw new BenchError(`search "${q}" found nothing`);
          return items.length;
        },
      ),
    );
  }
  return results;
}

export const LISTINGS = [
  { sort: 'name', order: 'asc' },
  { sort: 'name', order: 'desc' },
  { sort: 'size', order: 'desc' },
  { sort: 'size', order: 'asc' },
] as const;

const listingRoute = (folderId: string, sort: string, order: string) =>
  `/folders/${folderId}?sort=${sort}&order=${order}`;

/** The big folder's first page (100 children) in each order, checked to be in that order. */
export async function measureListings(api: ApiHandle, tree: Generated, requests: number) {
  const results: Latency[] = [];
  for (const { sort, order } of LISTINGS) {
    const route = listingRoute(tree.bigFolderId, sort, order);
    results.push(
      await latencyOf(api, `big folder, first page by ${sort} ${order}`, route, requests, (body) => {
        const { children, nextCursor } = body as FolderPage;
        if (children.length !== 100 || nextCursor === null)
          throw new BenchError(`${route}: ${children.length} children`);
        if (sort === 'size') {
          const sizes = children.map((child) => (order === 'asc' ? 1 : -1) * (child.size ?? 0));
          if (sizes.some((size, i) => i > 0 && size < (sizes[i - 1] ?? 0)))
            throw new BenchError(`${route}: not in order of size`);
        }
        return children.length;
      }),
    );
  }
  return results;
}

async function timed<T>(work: () => Promise<T>) {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

export interface TreeChange {
  name: string;
  ms: number[];
}

/**
 * Trashes the big folder and restores it, `rounds` times: each time the folder must be gone (404,
 * in the trash), then back with the same first page as before.
 */
export async function measureTrashAndRestore(api: ApiHandle, tree: Generated, rounds: number) {
  const route = listingRoute(tree.bigFolderId, 'name', 'asc');
  const before = JSON.stringify((await apiJson<FolderPage>(api, 'GET', route, 200)).children);
  const trash: TreeChange = { name: 'trash the big folder', ms: [] };
  const restore: TreeChange = { name: 'restore it', ms: [] };
  for (let round = 0; round < rounds; round++) {
    trash.ms.push((await timed(() => apiJson(api, 'DELETE', `/nodes/${tree.bigFolderId}`, [200, 204]))).ms);
    await apiJson(api, 'GET', route, 404);
    const trashed = (await apiJson<{ items: { id: string }[] }>(api, 'GET', '/trash', 200)).items;
    if (!trashed.some((node) => node.id === tree.bigFolderId))
      throw new BenchError('the big folder is not in the trash');
    restore.ms.push((await timed(() => apiJson(api, 'POST', `/nodes/${tree.bigFolderId}/restore`, 200))).ms);
    const after = JSON.stringify((await apiJson<FolderPage>(api, 'GET', route, 200)).children);
    if (after !== before) throw new BenchError('the big folder lists differently after its restore');
  }
  return [trash, restore];
}

/** Moves the subtree under Destination and back, `rounds` times, checking where it is each time. */
export async function measureMove(api: ApiHandle, tree: Generated, rounds: number) {
  const there: TreeChange = { name: 'move the subtree under another folder', ms: [] };
  const back: TreeChange = { name: 'move it back', ms: [] };
  const at = async (folderId: string) => {
    const page = await apiJson<FolderPage>(api, 'GET', `/folders/${folderId}?limit=1000`, 200);
    return page.children.some((child) => child.id === tree.movedSubtreeId);
  };
  for (let round = 0; round < rounds; round++) {
    for (const [change, target] of [
      [there, tree.destinationId],
      [back, tree.rootId],
    ] as const) {
      change.ms.push(
        (await timed(() => apiJson(api, 'PATCH', `/nodes/${tree.movedSubtreeId}`, 200, { parentId: target })))
          .ms,
      );
      if (!(await at(target))) throw new BenchError(`the subtree is not in ${target} after its move`);
    }
  }
  return [there, back];
}
