/** The benchmarks' files: random bytes of a known SHA-256, and the disk flushed between transfers. */
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './processes.ts';
import { MiB, SIZE, SIZE_MIB } from './settings.ts';

/** Writes `size` random bytes to `file` and returns their SHA-256 (hex). */
export function makeRandomFile(file: string, size: number): string {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(8 * MiB);
  const fd = openSync(file, 'wx');
  try {
    for (let written = 0; written < size; ) {
      const n = Math.min(chunk.length, size - written);
      const piece = chunk.subarray(0, n);
      randomFillSync(piece);
      hash.update(piece);
      for (let off = 0; off < n; ) off += writeSync(fd, piece, off, n - off);
      written += n;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The size of the warm-up transfers that run before the measured ones. */
export const WARM_SIZE = 4 * MiB;

/** A file of the run with what a server must record for it. */
export interface TestFile {
  path: string;
  size: number;
  sha256: string;
}

/** The file the rounds move (BENCH_SIZE_MIB) and a small one for the warm-up, in `dir`. */
export function makeTestFiles(dir: string): { source: TestFile; warm: TestFile } {
  process.stdout.write(`generating ${SIZE_MIB} MiB of random data… `);
  const started = performance.now();
  const make = (name: string, size: number) => {
    const file = path.join(dir, name);
    return { path: file, size, sha256: makeRandomFile(file, size) };
  };
  const files = { source: make('source.bin', SIZE), warm: make('warm.bin', WARM_SIZE) };
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
  return files;
}

/** A folder `<dir>/small` of `count` files of `bytes` each (`file-00000.txt`, …), each of one repeated byte. */
export function makeSmallFiles(
  dir: string,
  count: number,
  bytes: number,
): { folder: string; files: TestFile[] } {
  const folder = path.join(dir, 'small');
  mkdirSync(folder);
  const files = Array.from({ length: count }, (_, i) => {
    const file = path.join(folder, `file-${String(i).padStart(5, '0')}.txt`);
    const content = Buffer.alloc(bytes, i % 251);
    writeFileSync(file, content);
    return { path: file, size: bytes, sha256: createHash('sha256').update(content).digest('hex') };
  });
  return { folder, files };
}

export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Flushes dirty pages (nginx does not fsync what it receives) so one transfer's writeback does not land on the next. */
export async function settle(): Promise<number> {
  const started = performance.now();
  await run('sync', []);
  const seconds = (performance.now() - started) / 1000;
  await sleep(200);
  return seconds;
}
