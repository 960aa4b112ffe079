import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configDir } from '../settings.ts';

/**
 * What an upload left behind for the next run: its session, on which server. Keyed by the file's
 * absolute path, size and modification time, so a file that changed starts afresh.
 */
export interface UploadState {
  sessionId: string;
  server: string;
}

export interface LocalFile {
  path: string;
  size: number;
  mtimeMs: number;
}

const stateFile = (file: LocalFile) => {
  const key = createHash('sha256')
    .update(`${path.resolve(file.path)}\0${file.size}\0${Math.trunc(file.mtimeMs)}`)
    .digest('hex');
  return path.join(configDir(), 'uploads', `${key}.json`);
};

export async function readUploadState(file: LocalFile): Promise<Partial<UploadState>> {
  try {
    return JSON.parse(await readFile(stateFile(file), 'utf8')) as UploadState;
  } catch {
    return {};
  }
}

export async function saveUploadState(file: LocalFile, state: Partial<UploadState>) {
  const target = stateFile(file);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  await writeFile(target, JSON.stringify(state), { mode: 0o600 });
}

export async function forgetUploadState(file: LocalFile) {
  await rm(stateFile(file), { force: true });
}
