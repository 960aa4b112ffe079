import { execFile } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../services.ts';

const run = promisify(execFile);

/** A tmpfs of `size` (e.g. "2m") mounted on a fresh directory, so that a test can fill it; needs root. */
export async function mountSmallDisk(size: string): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await tempDir('fileshare-tiny-');
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir.path]);
  } catch (error) {
    await dir.remove();
    throw new Error(
      `This test mounts a ${size} tmpfs to fill, which needs root: ${(error as Error).message}`,
    );
  }
  return {
    path: dir.path,
    async remove() {
      await run('umount', [dir.path]).catch(() => {});
      await dir.remove();
    },
  };
}

/** Writes into `dir` until its file system is full; the returned function gives the room back. */
export async function fillDisk(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, 'filler');
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024, 1);
  try {
    for (let size = chunk.length; size >= 512; size /= 2) {
      try {
        for (;;) await handle.write(chunk, 0, size);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    await handle.close();
  }
  return () => rm(file, { force: true });
}
