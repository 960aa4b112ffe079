import { randomUUID } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PartsInFlightError, UploadClosedError } from './blob-store.ts';

const SEAL = 'sealed';
const WRITER = 'writing-';
const POLL_MS = 25;

/**
 * Who is writing parts into a local multipart upload, seen by every process that shares the
 * directory. A writer leaves a file naming its process *before* it looks for the seal; completing
 * leaves the seal *before* it looks for writers; so of a part write and a completion that overlap,
 * at least one sees the other, and the completion never joins bytes that are still changing.
 */
export async function admitWriter(dir: string): Promise<() => Promise<void>> {
  const mark = path.join(dir, `${WRITER}${randomUUID()}`);
  await writeFile(mark, `${os.hostname()} ${process.pid}`);
  const leave = () => rm(mark, { force: true });
  const names = await readdir(dir);
  if (names.includes(SEAL)) {
    await leave();
    throw new UploadClosedError();
  }
  return leave;
}

/** A writer's mark left by a process that is gone (killed mid-part) writes nothing any more. */
async function isStale(mark: string): Promise<boolean> {
  const text = await readFile(mark, 'utf8').catch(() => '');
  const [host, pidText] = text.split(' ');
  if (host !== os.hostname() || pidText === undefined) return text === '';
  try {
    process.kill(Number(pidText), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Closes the upload to new part writes (those admitted already go on). */
export async function seal(dir: string): Promise<void> {
  await writeFile(path.join(dir, SEAL), '');
}

/**
 * Closes the upload to new part writes and waits for those under way to finish. When some are
 * still running after `waitMs`, opens it again and throws PartsInFlightError.
 */
export async function sealAndDrain(dir: string, waitMs: number): Promise<void> {
  await seal(dir);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const writers = (await readdir(dir)).filter((name) => name.startsWith(WRITER));
    const live = [];
    for (const name of writers) {
      const mark = path.join(dir, name);
      if (await isStale(mark)) await rm(mark, { force: true });
      else live.push(name);
    }
    if (live.length === 0) return;
    if (Date.now() > deadline) {
      await unseal(dir);
      throw new PartsInFlightError();
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Takes parts again (completing failed in a way the client can mend by sending parts). */
export async function unseal(dir: string) {
  await rm(path.join(dir, SEAL), { force: true });
}
