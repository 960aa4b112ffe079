import { randomBytes } from 'node:crypto';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/services.ts';
import { copyFromFile } from './fs.copy.ts';

const MiB = 1024 * 1024;

/**
 * Takes each chunk's bytes only when it completes the write, later, as a socket sends a buffer after
 * the write call: a buffer reused before its write completed would show as wrong bytes.
 */
function slowDestination() {
  const chunks: Buffer[] = [];
  const destination = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      setTimeout(() => {
        chunks.push(Buffer.from(chunk));
        callback();
      }, 1);
    },
  });
  return { destination, received: () => Buffer.concat(chunks) };
}

describe('copying from a local file through reused buffers', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const files: { file: string; data: Buffer }[] = [];
  beforeAll(async () => {
    dir = await tempDir();
    for (const size of [5 * MiB + 123, 3 * MiB + 7, 2 * MiB, 4096]) {
      const data = randomBytes(size);
      const file = path.join(dir.path, `f${size}`);
      await writeFile(file, data);
      files.push({ file, data });
    }
  });
  afterAll(() => dir.remove());

  async function copy(file: string, range?: { start: number; end: number }) {
    const handle = await open(file, 'r');
    const { destination, received } = slowDestination();
    try {
      await copyFromFile(handle, range, destination);
    } finally {
      await handle.close();
    }
    return received();
  }

  it('copies every byte when many copies run at once, again and again (the buffers go from one to the next)', async () => {
    for (let round = 0; round < 3; round++) {
      const copies = files.flatMap(({ file, data }) => [
        copy(file).then((got) => expect(got.equals(data)).toBe(true)),
        copy(file, { start: 1, end: data.length - 2 }).then((got) =>
          expect(got.equals(data.subarray(1, data.length - 1))).toBe(true),
        ),
      ]);
      await Promise.all(copies);
    }
  });

  it('copies a range that ends inside its second buffer, and one of a single byte', async () => {
    const { file, data } = files[0] as { file: string; data: Buffer };
    const range = { start: MiB - 10, end: MiB + MiB / 2 };
    expect((await copy(file, range)).equals(data.subarray(range.start, range.end + 1))).toBe(true);
    expect((await copy(file, { start: 77, end: 77 })).equals(data.subarray(77, 78))).toBe(true);
  });

  it('fails a copy whose file is shorter than the range, and the next copies are still whole', async () => {
    const { file, data } = files[1] as { file: string; data: Buffer };
    await expect(copy(file, { start: 0, end: data.length + MiB })).rejects.toThrow(/shorter/);
    expect((await copy(file)).equals(data)).toBe(true);
  });
});
