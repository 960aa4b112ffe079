import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../../test/services.ts';
import { FileSink, releaseChunk } from './file-sink.ts';

describe('file sink', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => dir.remove());

  it('frees a chunk that is the whole of its memory, and nothing that shares memory', () => {
    const whole = Buffer.from(new ArrayBuffer(1024));
    releaseChunk(whole);
    expect(whole.length).toBe(0);
    const pooled = Buffer.from('a short string lives in a shared pool');
    releaseChunk(pooled);
    expect(pooled.toString()).toBe('a short string lives in a shared pool');
    const backing = Buffer.alloc(2048, 7);
    releaseChunk(backing.subarray(0, 1024));
    expect(backing.every((byte) => byte === 7)).toBe(true);
  });

  it('writes into a new file, hashing what it writes, and frees the chunks it was given once they are written', async () => {
    const data = randomBytes(9 * 1024 * 1024 + 5);
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length; at += 64 * 1024) {
      const slice = data.subarray(at, at + 64 * 1024);
      // Each its own memory, as a request body's chunks are (Buffer.from would pool the small last one).
      const chunk = Buffer.alloc(slice.length);
      slice.copy(chunk);
      chunks.push(chunk);
    }
    const file = path.join(dir.path, 'new');
    const hash = createHash('sha256');
    await pipeline(
      Readable.from(chunks),
      new FileSink(file, { flags: 'wx', flush: 'sync', releaseChunks: true, hash }),
    );
    const stored = await readFile(file);
    expect(stored.equals(data)).toBe(true);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(stored).digest('hex'));
    expect(chunks.every((chunk) => chunk.length === 0)).toBe(true);
  });

  it('writes in smaller batches when told to, side by side with another sink into the same file', async () => {
    const file = path.join(dir.path, 'parts');
    const part = 3 * 1024 * 1024 + 17;
    await writeFile(file, '');
    const halves = [randomBytes(part), randomBytes(part)];
    // Every writev the sinks make, counted on the real file handle's class (the call goes through).
    const probe = await open(file, 'r');
    const writev = vi.spyOn(Object.getPrototypeOf(probe) as FileHandle, 'writev');
    await probe.close();
    // 1,000-byte chunks, so that a batch ends inside a chunk's run, never on a round number.
    const chunksOf = (data: Buffer) =>
      Array.from({ length: Math.ceil(data.length / 1000) }, (_, i) =>
        data.subarray(i * 1000, (i + 1) * 1000),
      );
    await Promise.all(
      halves.map((data, i) =>
        pipeline(
          Readable.from(chunksOf(data)),
          new FileSink(file, {
            flags: 'r+',
            start: i * part,
            flush: 'datasync',
            batchBytes: 64 * 1024,
            releaseChunks: false,
          }),
        ),
      ),
    );
    const written = writev.mock.calls.map(([buffers]) => buffers.reduce((sum, b) => sum + b.byteLength, 0));
    writev.mockRestore();
    expect((await readFile(file)).equals(Buffer.concat(halves))).toBe(true);
    // Batches of 64 KiB or a little more (what queued while one was written), never the default 2 MiB:
    // about 49 a sink, against 2 had the batch size been ignored.
    expect(written.length).toBeGreaterThanOrEqual((2 * part) / (128 * 1024));
    expect(Math.max(...written)).toBeLessThanOrEqual(2 * 64 * 1024 + 1000);
    expect(written.filter((bytes) => bytes < 64 * 1024).length).toBeLessThanOrEqual(2);
  });

  it('writes at an offset into an existing file, refuses to overwrite with wx, and keeps chunks when told to', async () => {
    const file = path.join(dir.path, 'existing');
    await writeFile(file, Buffer.alloc(10, 0));
    const chunk = Buffer.from('abc');
    await pipeline(
      Readable.from([chunk]),
      new FileSink(file, { flags: 'r+', start: 4, flush: 'datasync', releaseChunks: false }),
    );
    expect(await readFile(file, 'latin1')).toBe('\0\0\0\0abc\0\0\0');
    expect(chunk.toString()).toBe('abc');
    await expect(
      pipeline(
        Readable.from([chunk]),
        new FileSink(file, { flags: 'wx', flush: 'sync', releaseChunks: false }),
      ),
    ).rejects.toMatchObject({ code: 'EEXIST' });
  });
});
