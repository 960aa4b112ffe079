import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { downloadFile } from '../api/sdk.gen.ts';
import { unwrap } from '../connection.ts';
import { CliError } from '../errors.ts';
import type { RemoteNode } from '../remote-paths.ts';

export interface GetResult {
  remote: string;
  local: string;
  size: number;
  /** Bytes a partial download of an earlier run already had. */
  resumedFrom: number;
  sha256Verified: boolean;
}

/** What a partial download needs to continue: which file and version it is of. */
interface PartialState {
  nodeId: string;
  etag: string;
}

export const partialName = (local: string) => `${local}.fileshare-partial`;
const stateName = (local: string) => `${partialName(local)}.json`;

/**
 * Downloads a file to `local`: streamed into a temporary name beside it and renamed when
 * complete. A partial download of the same file an earlier run left goes on from where it stopped
 * (Range, with If-Range so a file that changed meanwhile starts over). The SHA-256 is checked
 * when the server has one.
 */
export async function getFile(
  node: RemoteNode,
  remotePath: string,
  local: string,
  onProgress: (bytes: number) => void,
): Promise<GetResult> {
  const partial = partialName(local);
  const saved = await readPartialState(local);
  const have = saved?.nodeId === node.id ? await sizeOf(partial) : 0;
  const headers: Record<string, string> = {};
  if (have > 0 && saved) {
    headers.range = `bytes=${have}-`;
    headers['if-range'] = saved.etag;
  }
  const { stream, response } = await openDownload(node.id, headers);
  const resumedFrom = response.status === 206 ? have : 0;
  const etag = response.headers.get('etag');
  if (etag !== null)
    await writeFile(stateName(local), JSON.stringify({ nodeId: node.id, etag } satisfies PartialState));

  const hash = createHash('sha256');
  if (resumedFrom > 0)
    for await (const chunk of createReadStream(partial, { end: resumedFrom - 1 }))
      hash.update(chunk as Buffer);
  let received = resumedFrom;
  onProgress(received);
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      onProgress(received);
      done(null, chunk);
    },
  });
  await pipeline(stream, counter, createWriteStream(partial, { flags: resumedFrom > 0 ? 'a' : 'w' }));

  const digest = hash.digest('hex');
  if (node.sha256 !== null && digest !== node.sha256) {
    await rm(partial, { force: true });
    await rm(stateName(local), { force: true });
    throw new CliError(`${remotePath}: the download does not match its SHA-256; run get again`);
  }
  await rename(partial, local);
  await rm(stateName(local), { force: true });
  return { remote: remotePath, local, size: received, resumedFrom, sha256Verified: node.sha256 !== null };
}

async function openDownload(id: string, headers: Record<string, string>) {
  const call = downloadFile({ path: { id }, headers, parseAs: 'stream' });
  const result = await call;
  if (result.response?.status === 416) {
    // What we hold is already all of it (or more): start over rather than guess.
    return openDownload(id, {});
  }
  const body = await unwrap(Promise.resolve(result));
  const response = result.response as Response;
  return { stream: Readable.fromWeb(body as unknown as import('node:stream/web').ReadableStream), response };
}

async function readPartialState(local: string): Promise<PartialState | null> {
  try {
    return JSON.parse(await readFile(stateName(local), 'utf8')) as PartialState;
  } catch {
    return null;
  }
}

const sizeOf = (file: string) =>
  stat(file).then(
    (info) => info.size,
    () => 0,
  );
