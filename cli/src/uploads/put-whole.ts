import { readFile } from 'node:fs/promises';
import { uploadFile } from '../api/sdk.gen.ts';
import { unwrap } from '../connection.ts';
import type { RemoteNode } from '../remote-paths.ts';
import type { OnConflict } from './put-file.ts';

/**
 * Files up to this size go in one simple upload (`PUT /folders/{id}/files/{name}`) rather than a
 * session: a session costs three requests and a saved state before the first byte, which for a
 * folder of small files is most of the time, and a small file is quicker to send again than to
 * resume.
 */
export const WHOLE_FILE_LIMIT = 4 * 1024 * 1024;

/** Sends a small file in one request, with its SHA-256 to have it checked. */
export async function putWhole(target: {
  path: string;
  folder: RemoteNode;
  name: string;
  onConflict: OnConflict;
  sha256: string;
}): Promise<RemoteNode> {
  const body = await readFile(target.path);
  return unwrap(
    uploadFile({
      path: { id: target.folder.id, name: target.name },
      query: { onConflict: target.onConflict },
      headers: { 'content-type': 'application/octet-stream', 'x-content-sha256': target.sha256 },
      body,
      bodySerializer: null,
    }),
  );
}
