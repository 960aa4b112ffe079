/**
 * A WebDAV PROPFIND (Depth 1, allprop) of the big folder through /dav/, against `rclone serve webdav`
 * answering the same PROPFIND of a local directory of empty files with the same names: time to the
 * answer's first byte and to its last, its bytes, and the server's RSS meanwhile. Every answer is
 * checked to hold one response for the folder and one for each child, each href once.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { apiJson, type startApi } from '../support/api-server.ts';
import { memory, RssSampler, resetPeakMemory } from '../support/process-stats.ts';
import { BenchError, stopChild } from '../support/processes.ts';
import { MiB } from '../support/settings.ts';
import { type DavRemote, requireRclone, startRcloneServe } from '../webdav/rclone.ts';
import type { Sql } from './tree.ts';

export const BIG_FOLDER_NAME = 'Big folder';
const SIDES = ['fileshare', 'rclone serve'] as const;
export type PropfindSide = (typeof SIDES)[number];

export interface PropfindAnswer {
  side: PropfindSide;
  round: number;
  /** From the request to the first byte of the body. */
  firstByteMs: number;
  totalMs: number;
  bytes: number;
  responses: number;
  /** The server's RSS before the request, and its highest during it (sampled, and the kernel's VmHWM). */
  rssBeforeMiB: number;
  rssPeakMiB: number;
}

/** One PROPFIND Depth 1 of `url`, timed, with the server `pid`'s RSS sampled every 10 ms meanwhile. */
async function timedPropfind(remote: DavRemote, folderUrl: string, pid: number, expected: number) {
  const rssBefore = memory(pid, 'VmRSS') ?? 0;
  const hwmReset = resetPeakMemory(pid);
  const sampler = new RssSampler(pid, 10);
  sampler.start();
  const chunks: Buffer[] = [];
  let firstByteMs = 0;
  let bytes = 0;
  const started = performance.now();
  const response = await fetch(folderUrl, {
    method: 'PROPFIND',
    headers: {
      authorization: `Basic ${Buffer.from(`${remote.user}:${remote.pass}`).toString('base64')}`,
      depth: '1',
    },
  });
  if (response.body === null) throw new BenchError(`PROPFIND ${folderUrl} answered no body`);
  for await (const chunk of response.body) {
    if (bytes === 0) firstByteMs = performance.now() - started;
    bytes += chunk.length;
    chunks.push(Buffer.from(chunk));
  }
  const totalMs = performance.now() - started;
  sampler.stop();
  const hwm = hwmReset ? (memory(pid, 'VmHWM') ?? 0) : 0;
  const body = Buffer.concat(chunks).toString('utf8');
  if (response.status !== 207)
    throw new BenchError(`PROPFIND ${folderUrl} answered ${response.status}: ${body.slice(0, 500)}`);
  // Either server's prefix for DAV: (D: or none); every response holds one href.
  const responses = body.match(/<(?:[A-Za-z]+:)?response[\s>]/g)?.length ?? 0;
  const hrefs = new Set([...body.matchAll(/<(?:[A-Za-z]+:)?href>([^<]*)</g)].map((match) => match[1]));
  if (responses !== expected || hrefs.size !== expected)
    throw new BenchError(
      `PROPFIND ${folderUrl}: ${responses} responses, ${hrefs.size} distinct hrefs; expected ${expected}`,
    );
  return {
    firstByteMs,
    totalMs,
    bytes,
    responses,
    rssBeforeMiB: rssBefore / MiB,
    rssPeakMiB: Math.max(sampler.peak, hwm) / MiB,
  };
}

/** The reference: a directory of empty files named as the big folder's children, served by rclone. */
export interface PropfindReference {
  remote: DavRemote;
  pid: number;
  files: number;
  stop: () => Promise<void>;
}

/** Makes the reference's directory from the big folder's names (read over `sql`) and serves it. */
export async function startPropfindReference(
  dir: string,
  sql: Sql,
  bigFolderId: string,
): Promise<PropfindReference> {
  await requireRclone();
  const { rows } = await sql.query('select name from nodes where parent_id = $1 and trashed_at is null', [
    bigFolderId,
  ]);
  const folder = path.join(dir, 'served', BIG_FOLDER_NAME);
  mkdirSync(folder, { recursive: true });
  for (const { name } of rows as { name: string }[]) closeSync(openSync(path.join(folder, name), 'w'));
  const served = await startRcloneServe(dir, 'bench', randomBytes(18).toString('hex'));
  if (served.child.pid === undefined) throw new BenchError('rclone serve has no pid');
  return {
    remote: served.remote,
    pid: served.child.pid,
    files: rows.length,
    stop: () => stopChild(served.child, 'SIGTERM'),
  };
}

/**
 * `rounds` PROPFINDs of the big folder on each side, the order alternating, after one untimed on
 * each (kept in the answers as round -1: the server's first, whose memory counts too).
 */
export async function measurePropfind(
  api: Awaited<ReturnType<typeof startApi>>,
  reference: PropfindReference,
  children: number,
  rounds: number,
): Promise<PropfindAnswer[]> {
  if (reference.files !== children)
    throw new BenchError(`the reference has ${reference.files} files, the big folder ${children}`);
  const { password } = await apiJson<{ password: string }>(api, 'POST', '/me/app-passwords', 201, {
    name: 'propfind',
    scope: 'read',
  });
  const folder = `${encodeURIComponent(BIG_FOLDER_NAME)}/`;
  const sides = {
    fileshare: {
      remote: { url: `${api.origin}/dav/`, user: api.username, pass: password },
      pid: api.pid,
    },
    'rclone serve': { remote: reference.remote, pid: reference.pid },
  } satisfies Record<PropfindSide, unknown>;
  const answers: PropfindAnswer[] = [];
  for (let round = -1; round < rounds; round++) {
    const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
    for (const side of order) {
      const { remote, pid } = sides[side];
      const answer = await timedPropfind(remote, new URL(folder, remote.url).href, pid, children + 1);
      answers.push({ side, round, ...answer });
    }
  }
  return answers;
}
