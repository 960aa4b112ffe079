/**
 * The floor for a Node server, run by the transfer benchmark as its second reference: node:http
 * alone, no framework, no sign-in, no database, the same Node as the API. It does what the API's
 * transfers must do and nothing more, the cheapest way Node has:
 *
 * - `PUT /<name>`: the body into a new file, its SHA-256 taken as it passes, written in batches of
 *   2 MiB (one writev each), each chunk's memory given back once written, the file flushed (`fsync`)
 *   before the answer, then renamed into place; answers `{ size, sha256 }`.
 * - `GET /<name>`: the file through two reused 1 MiB buffers, read into one while the other is
 *   being sent (Node has no sendfile for sockets: every byte is copied into the process and out).
 *
 *   node bench/support/bare-node-server.ts <directory> <port>
 */
import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';

const [root, portText] = process.argv.slice(2);
if (root === undefined || portText === undefined) {
  console.error('usage: node bench/support/bare-node-server.ts <directory> <port>');
  process.exit(2);
}
const BATCH = 2 * 1024 * 1024;
const BUFFER = 1024 * 1024;

function fileOf(request: IncomingMessage): string | undefined {
  const name = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname.slice(1));
  return /^[\w.-]+$/.test(name) ? path.join(root as string, name) : undefined;
}

/** Gives a chunk's memory back at once, when the chunk is the whole of it (as a socket's are). */
function release(chunk: Buffer) {
  const { buffer } = chunk;
  if (buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength)
    buffer.transfer(0);
}

/** What remains of `buffers` after their first `count` bytes. */
function after(buffers: Buffer[], count: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = count;
  for (const buffer of buffers) {
    if (skip >= buffer.length) skip -= buffer.length;
    else {
      rest.push(buffer.subarray(skip));
      skip = 0;
    }
  }
  return rest;
}

/** Writes every byte of `buffers` at `position` (a writev may take fewer); answers how many. */
async function writeAll(handle: FileHandle, buffers: Buffer[], position: number): Promise<number> {
  let written = 0;
  for (let pending = buffers; pending.length > 0; ) {
    const { bytesWritten } = await handle.writev(pending, position + written);
    if (bytesWritten === 0) throw new Error('nothing could be written');
    written += bytesWritten;
    pending = after(pending, bytesWritten);
  }
  return written;
}

/**
 * The body's chunks as they come ('data' events: an async iterator would join the chunks it finds
 * buffered into new memory, a copy per read), written in batches, one write at a time; the next
 * batch gathers meanwhile, and the body is paused only when it is full before the write is done.
 */
function writeBody(request: IncomingMessage, handle: FileHandle, hash: Hash): Promise<number> {
  return new Promise((resolve, reject) => {
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let position = 0;
    let writing: Promise<void> | undefined;
    let ended = false;
    const fail = (error: Error) => {
      request.destroy();
      reject(error);
    };
    const write = () => {
      const buffers = batch;
      const at = position;
      position += batchBytes;
      batch = [];
      batchBytes = 0;
      writing = writeAll(handle, buffers, at).then(() => {
        for (const chunk of buffers) release(chunk);
        writing = undefined;
        if (batchBytes >= BATCH || (ended && batchBytes > 0)) write();
        else if (ended) resolve(position);
        else request.resume();
      }, fail);
    };
    request.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes < BATCH) return;
      if (writing === undefined) write();
      else request.pause();
    });
    request.on('end', () => {
      ended = true;
      if (writing !== undefined) return;
      if (batchBytes > 0) write();
      else resolve(position);
    });
    request.on('error', fail);
  });
}

async function receive(request: IncomingMessage, response: ServerResponse, file: string) {
  const temporary = `${file}.${process.pid}.incoming`;
  const handle = await open(temporary, 'wx');
  const hash = createHash('sha256');
  let size: number;
  try {
    size = await writeBody(request, handle, hash);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, file);
  response.writeHead(201, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ size, sha256: hash.digest('hex') }));
}

function written(response: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    response.write(chunk, (error) => (error ? reject(error) : resolve())),
  );
}

async function send(response: ServerResponse, file: string) {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    const buffers = [Buffer.allocUnsafe(BUFFER), Buffer.allocUnsafe(BUFFER)];
    const writes: (Promise<void> | undefined)[] = [undefined, undefined];
    for (let position = 0, turn = 0; position < size; turn ^= 1) {
      await writes[turn];
      const buffer = buffers[turn] as Buffer;
      const { bytesRead } = await handle.read(buffer, 0, Math.min(BUFFER, size - position), position);
      if (bytesRead === 0) throw new Error('the file is shorter than its size');
      position += bytesRead;
      writes[turn] = written(response, buffer.subarray(0, bytesRead));
      writes[turn]?.catch(() => {});
      if (response.writableNeedDrain) await new Promise((resolve) => response.once('drain', resolve));
    }
    await Promise.all(writes);
    response.end();
  } finally {
    await handle.close();
  }
}

const server = createServer((request, response) => {
  const file = fileOf(request);
  if (request.url === '/ready') {
    response.end('ready');
    return;
  }
  if (file === undefined) {
    response.writeHead(400).end();
    return;
  }
  const work =
    request.method === 'PUT'
      ? receive(request, response, file)
      : request.method === 'GET'
        ? send(response, file)
        : Promise.resolve(void response.writeHead(405).end());
  work.catch((error: NodeJS.ErrnoException) => {
    if (!response.headersSent) response.writeHead(error.code === 'ENOENT' ? 404 : 500).end();
    else response.destroy(error);
  });
});
server.listen(Number(portText), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
