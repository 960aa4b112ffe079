import { createHash, randomBytes } from 'node:crypto';
import { Api } from '../client.ts';
import { eachConcurrently } from './pool.ts';
import type { Random } from './random.ts';

/** What the workers know of one user's tree: ids they have seen (some may be gone by now). */
export interface SharedTree {
  token: string;
  folders: string[];
  files: string[];
  trashed: string[];
  sessions: string[];
}

export type Operation =
  | 'createFolder'
  | 'move'
  | 'rename'
  | 'trash'
  | 'restore'
  | 'purge'
  | 'upload'
  | 'replace'
  | 'session'
  | 'completeTwice'
  | 'abort'
  | 'read';

const WEIGHTS: Record<Operation, number> = {
  createFolder: 8,
  move: 14,
  rename: 6,
  trash: 8,
  restore: 6,
  purge: 6,
  upload: 12,
  replace: 8,
  session: 8,
  completeTwice: 3,
  abort: 3,
  read: 8,
};

// Few names, so that conflicts, replaces and renames collide often.
const NAMES = ['a', 'b', 'c', 'notes.txt', 'photo.jpg', 'Report.pdf', 'report.pdf', 'x (2)'];

/** Statuses a request may answer in a race; anything else (a 5xx above all) is a failure. */
const EXPECTED: Record<Operation, number[]> = {
  createFolder: [201, 404, 409],
  move: [200, 400, 404, 409],
  rename: [200, 404, 409],
  trash: [204, 400, 404],
  restore: [200, 404],
  purge: [204, 404],
  upload: [200, 201, 404, 409, 413],
  replace: [200, 201, 404, 409, 413],
  session: [200, 201, 404, 409, 410, 413],
  completeTwice: [200, 201, 404, 409, 410, 413],
  abort: [204, 404, 409],
  read: [200, 404],
};

export interface WorkloadResult {
  counts: Record<string, number>;
  /** Requests answered with a status the operation can't legitimately have. */
  unexpected: string[];
  /** Files whose upload was answered 2xx, by id: the latest content each must read back as, until changed. */
  stored: Map<string, { sha256: string; updatedAt: string; token: string }>;
}

export interface WorkloadOptions {
  origins: string[];
  trees: SharedTree[];
  workers: number;
  durationMs: number;
  random: Random;
  /** Statuses to accept besides the expected ones (a fault suite expects 502/503 while a fault lasts). */
  tolerated?: (status: number) => boolean;
}

const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

function remember(list: string[], id: string) {
  if (!list.includes(id)) list.push(id);
  if (list.length > 60) list.shift();
}

/** Runs `workers` actors on the shared trees for a fixed time, through every origin in turn. */
export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const { random } = options;
  const result: WorkloadResult = { counts: {}, unexpected: [], stored: new Map() };
  const deadline = Date.now() + options.durationMs;
  const tolerated = options.tolerated ?? (() => false);

  async function act(worker: number, step: number) {
    const tree = options.trees[random.int(options.trees.length)] as SharedTree;
    const api = new Api(options.origins[(worker + step) % options.origins.length] as string, tree.token);
    const operation = random.weighted(WEIGHTS);
    const anyFolder = () => random.pick(tree.folders) ?? 'root';
    const anyNode = () => (random.next() < 0.5 ? random.pick(tree.files) : random.pick(tree.folders));
    const statuses: number[] = [];
    const send = async (method: string, path: string, init: Parameters<Api['request']>[2] = {}) => {
      const response = await api.request(method, path, init);
      statuses.push(response.status);
      const text = await response.text();
      return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : undefined };
    };
    const upload = async (name: string, onConflict: string) => {
      const data = randomBytes(random.int(40_000));
      const answer = await send(
        'PUT',
        `/folders/${anyFolder()}/files/${encodeURIComponent(name)}?onConflict=${onConflict}`,
        {
          body: data,
        },
      );
      if (answer.status === 200 || answer.status === 201) {
        remember(tree.files, answer.body.id);
        result.stored.set(answer.body.id, {
          sha256: sha256Hex(data),
          updatedAt: answer.body.updatedAt,
          token: tree.token,
        });
      }
    };
    const complete = async (session: { id: string }, sha256: string, times: number) => {
      const answers = await Promise.all(
        Array.from({ length: times }, () => send('POST', `/uploads/${session.id}/complete`)),
      );
      for (const answer of answers) {
        if (answer.status !== 200 && answer.status !== 201) continue;
        remember(tree.files, answer.body.id);
        result.stored.set(answer.body.id, {
          sha256: sha256,
          updatedAt: answer.body.updatedAt,
          token: tree.token,
        });
      }
    };
    switch (operation) {
      case 'createFolder': {
        const answer = await send('POST', '/folders', {
          json: { parentId: anyFolder(), name: random.pick(NAMES) },
        });
        if (answer.status === 201) remember(tree.folders, answer.body.id);
        break;
      }
      case 'move': {
        const node = anyNode();
        if (node !== undefined) await send('PATCH', `/nodes/${node}`, { json: { parentId: anyFolder() } });
        break;
      }
      case 'rename': {
        const node = anyNode();
        if (node !== undefined) await send('PATCH', `/nodes/${node}`, { json: { name: random.pick(NAMES) } });
        break;
      }
      case 'trash': {
        const node = anyNode();
        if (node !== undefined && (await send('DELETE', `/nodes/${node}`)).status === 204)
          remember(tree.trashed, node);
        break;
      }
      case 'restore': {
        const node = random.pick(tree.trashed);
        if (node !== undefined) await send('POST', `/nodes/${node}/restore`);
        break;
      }
      case 'purge': {
        const node = random.pick(tree.trashed);
        if (node !== undefined) await send('DELETE', `/trash/${node}`);
        break;
      }
      case 'upload':
        await upload(random.pick(NAMES) as string, random.pick(['fail', 'rename']) as string);
        break;
      case 'replace':
        await upload(random.pick(NAMES) as string, 'replace');
        break;
      case 'session':
      case 'completeTwice': {
        const data = randomBytes(random.int(60_000));
        const created = await send('POST', '/uploads', {
          json: {
            parentId: anyFolder(),
            name: random.pick(NAMES),
            size: data.length,
            sha256: sha256Hex(data),
            onConflict: random.pick(['fail', 'rename', 'replace']),
          },
        });
        if (created.status !== 201) break;
        remember(tree.sessions, created.body.id);
        for (const part of created.body.parts as { number: number; size: number; url: string }[]) {
          const bytes = data.subarray(
            (part.number - 1) * created.body.partSize,
            part.number * created.body.partSize,
          );
          const headers: Record<string, string> = {};
          if (created.body.partsNeedCredentials) headers.authorization = `Bearer ${tree.token}`;
          const sent = await fetch(part.url, { method: 'PUT', body: new Uint8Array(bytes), headers });
          await sent.arrayBuffer();
        }
        await complete(created.body, sha256Hex(data), operation === 'completeTwice' ? 2 : 1);
        break;
      }
      case 'abort': {
        const session = random.pick(tree.sessions);
        if (session !== undefined) await send('DELETE', `/uploads/${session}`);
        break;
      }
      case 'read': {
        const node = random.pick(tree.files);
        if (node !== undefined) await send('GET', `/files/${node}`);
        else await send('GET', `/folders/${anyFolder()}`);
        break;
      }
    }
    result.counts[operation] = (result.counts[operation] ?? 0) + 1;
    for (const status of statuses) {
      result.counts[`${operation} ${status}`] = (result.counts[`${operation} ${status}`] ?? 0) + 1;
      if (!EXPECTED[operation].includes(status) && !tolerated(status))
        result.unexpected.push(`${operation}: ${status}`);
    }
  }

  await Promise.all(
    Array.from({ length: options.workers }, async (_, worker) => {
      for (let step = 0; Date.now() < deadline; step++) {
        try {
          await act(worker, step);
        } catch (error) {
          // A connection refused or reset: only a fault suite may see one.
          if (!tolerated(0)) result.unexpected.push(`request failed: ${(error as Error).message}`);
          result.counts['connection errors'] = (result.counts['connection errors'] ?? 0) + 1;
          // As a client would, wait a moment before trying an instance that just went away again.
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    }),
  );
  return result;
}

/** Of the files uploaded with a 2xx answer and not changed since, the ones that don't read back as sent. */
export async function unreadableUploads(origin: string, stored: WorkloadResult['stored']): Promise<string[]> {
  const wrong: string[] = [];
  await eachConcurrently(stored, 8, async ([id, expected]) => {
    const api = new Api(origin, expected.token);
    const meta = await api.request('GET', `/files/${id}`);
    if (meta.status === 404) {
      await meta.arrayBuffer();
      return;
    }
    const node = await meta.json();
    if (node.updatedAt !== expected.updatedAt || node.trashedAt !== null) return;
    const content = Buffer.from(await (await api.request('GET', `/files/${id}/content`)).arrayBuffer());
    if (sha256Hex(content) !== expected.sha256) wrong.push(`file ${id} reads back other bytes`);
  });
  return wrong;
}
