import type { Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { Writable } from 'node:stream';

// Incoming bodies arrive in chunks of up to 64 KiB. They are gathered into writes of at least
// `batchBytes` (one writev each), and as much again may queue while a write is in flight: a system
// call, a trip through the thread pool and a promise per batch instead of per chunk.
const WRITE_BATCH = 2 * 1024 * 1024;

export interface FileSinkOptions {
  /** `fs.open` flags: `wx` for a new file, `r+` to write into an existing one. */
  flags: 'wx' | 'r+';
  /** Where the first byte goes. */
  start?: number;
  /** What makes the bytes durable before the sink finishes: all metadata (`sync`) or the data (`datasync`). */
  flush: 'sync' | 'datasync';
  /**
   * The least a write takes, 2 MiB unless said. Sinks that run side by side (a session's parts in
   * flight) take less, so that 4 parts hold 4 MiB at a time rather than 16: in quiet readings 512 KiB,
   * 1 and 2 MiB cost a session the same (docs/benchmarks.md, Transfer); a single upload costs about
   * 0.15 s per GiB more on its main thread with 512 KiB.
   */
  batchBytes?: number;
  /** Free each chunk's memory once it is written; see `releaseChunk`. */
  releaseChunks: boolean;
  /**
   * Takes the bytes as they pass, in order, each chunk as it arrives (still in the CPU's cache).
   * The sink writes every byte it took or fails, so once it finished, the hash is of the bytes
   * it put in the file.
   */
  hash?: Hash;
}

type Callback = (error?: Error | null) => void;

/**
 * Gives a chunk's memory back now instead of at the next garbage collection. Only for a chunk that
 * is the whole of its ArrayBuffer and that nobody will read again: the buffer is detached (its
 * length becomes 0). A request body's chunks are each a fresh 64 KiB allocation; left to the
 * collector, a 1 GiB upload adds about 20 full collections (the external memory they hold crosses
 * V8's limit every ~64 MiB), which cost as much CPU as hashing the file.
 */
export function releaseChunk(chunk: Buffer) {
  const { buffer } = chunk;
  if (!(buffer instanceof ArrayBuffer) || chunk.byteOffset !== 0 || chunk.byteLength !== buffer.byteLength) {
    return;
  }
  try {
    buffer.transfer(0);
  } catch {
    // Not detachable (memory that belongs to the runtime): the collector frees it as before.
  }
}

/** The buffers of `buffers` that remain after the first `written` bytes. */
function unwritten(buffers: Buffer[], written: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = written;
  for (const buffer of buffers) {
    if (skip >= buffer.length) skip -= buffer.length;
    else {
      rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
      skip = 0;
    }
  }
  return rest;
}

/**
 * Writes a stream into a file: chunks are gathered into writes of `batchBytes` or more, each
 * one `writev`, and the file is flushed to disk before the sink finishes, so "finished" means durable.
 */
export class FileSink extends Writable {
  private handle: FileHandle | undefined;
  private position: number;
  /** Taken, not yet written. */
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private readonly batchLimit: number;
  private readonly file: string;
  private readonly options: FileSinkOptions;

  constructor(file: string, options: FileSinkOptions) {
    const batchBytes = options.batchBytes ?? WRITE_BATCH;
    super({ highWaterMark: batchBytes });
    this.batchLimit = batchBytes;
    this.file = file;
    this.options = options;
    this.position = options.start ?? 0;
  }

  override _construct(callback: Callback) {
    open(this.file, this.options.flags).then((handle) => {
      this.handle = handle;
      callback();
    }, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Callback) {
    this.take(chunk);
    this.writeFullBatch(callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: Callback) {
    for (const { chunk } of chunks) this.take(chunk);
    this.writeFullBatch(callback);
  }

  override _final(callback: Callback) {
    const handle = this.handle as FileHandle;
    this.writeBatch()
      .then(() => (this.options.flush === 'sync' ? handle.sync() : handle.datasync()))
      .then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: Callback) {
    const handle = this.handle;
    this.handle = undefined;
    if (handle === undefined) callback(error);
    else
      handle.close().then(
        () => callback(error),
        (closeError) => callback(error ?? closeError),
      );
  }

  private take(chunk: Buffer) {
    this.options.hash?.update(chunk);
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
  }

  /** Asks for more until a batch is full; then writes it, and asks for more once it is written. */
  private writeFullBatch(callback: Callback) {
    if (this.batchBytes < this.batchLimit) callback();
    else this.writeBatch().then(() => callback(), callback);
  }

  private async writeBatch() {
    const buffers = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    const handle = this.handle as FileHandle;
    // A write may take fewer bytes than it was given (a disk nearly full): send the rest again.
    for (let pending = buffers; pending.length > 0; ) {
      const { bytesWritten } = await handle.writev(pending, this.position);
      if (bytesWritten === 0) throw new Error(`nothing could be written to ${this.file}`);
      this.position += bytesWritten;
      pending = unwritten(pending, bytesWritten);
    }
    if (this.options.releaseChunks) for (const buffer of buffers) releaseChunk(buffer);
  }
}
