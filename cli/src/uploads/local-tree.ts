import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError, ExitCode } from '../errors.ts';
import type { LocalFile } from './upload-state.ts';

/** A local file to upload, with the folders (names from the target folder) it goes into. */
export interface FileToPut extends LocalFile {
  folders: string[];
  name: string;
}

/**
 * The files under the local paths given, each with where it goes: a file straight into the
 * target, a folder recreated under it with everything it holds. Empty folders are kept too.
 */
export async function localTree(paths: string[]): Promise<{ files: FileToPut[]; folders: string[][] }> {
  const files: FileToPut[] = [];
  const folders: string[][] = [];
  const walk = async (local: string, into: string[]) => {
    const info = await stat(local).catch(() => {
      throw new CliError(`${local}: no such file or folder`, ExitCode.notFound, 'not_found');
    });
    const name = path.basename(path.resolve(local));
    if (info.isFile()) {
      files.push({ path: local, size: info.size, mtimeMs: info.mtimeMs, folders: into, name });
    } else if (info.isDirectory()) {
      const here = [...into, name];
      folders.push(here);
      const entries = await readdir(local);
      for (const entry of entries.sort()) await walk(path.join(local, entry), here);
    }
    // Sockets, devices and the like are not files to upload.
  };
  for (const local of paths) await walk(local, []);
  return { files, folders };
}
