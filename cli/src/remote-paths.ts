import type { GetNodeResponse } from './api/index.ts';
import { createFolder, getFolder } from './api/sdk.gen.ts';
import { unwrap } from './connection.ts';
import { CliError, ExitCode, notFound } from './errors.ts';

export type RemoteNode = GetNodeResponse;

/** `/Photos//2026/` → `['Photos', '2026']`: slash paths from my root, names as typed. */
export function pathNames(remotePath: string): string[] {
  return remotePath
    .split('/')
    .filter((name) => name !== '' && name !== '.')
    .map((name) => name.normalize('NFC'));
}

/** Every child of a folder, a page at a time. */
export async function* childrenOf(folderId: string): AsyncGenerator<RemoteNode> {
  let cursor: string | undefined;
  do {
    const page = await unwrap(
      getFolder({ path: { id: folderId }, query: { limit: 1000, sort: 'name', order: 'asc', cursor } }),
    );
    yield* page.children;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/** The child called `name`: the same spelling first, else the one that differs only in case. */
export async function childNamed(folderId: string, name: string): Promise<RemoteNode | undefined> {
  let caseless: RemoteNode | undefined;
  for await (const child of childrenOf(folderId)) {
    if (child.name === name) return child;
    if (caseless === undefined && child.name.toLowerCase() === name.toLowerCase()) caseless = child;
  }
  return caseless;
}

/** My root folder, which has an id of its own behind the name `root`. */
export const rootFolder = async () =>
  (await unwrap(getFolder({ path: { id: 'root' }, query: { limit: 1, sort: 'name', order: 'asc' } }))).folder;

/** The node at a slash path, found by listing each folder on the way; not found ends the command. */
export async function resolvePath(remotePath: string): Promise<RemoteNode> {
  let node = await rootFolder();
  for (const name of pathNames(remotePath)) {
    const child = node.kind === 'folder' ? await childNamed(node.id, name) : undefined;
    if (child === undefined) throw notFound(remotePath);
    node = child;
  }
  return node;
}

/** The folder at a slash path; a file there is an error. */
export async function resolveFolder(remotePath: string): Promise<RemoteNode> {
  const node = await resolvePath(remotePath);
  if (node.kind !== 'folder')
    throw new CliError(`${remotePath}: not a folder`, ExitCode.failed, 'not_a_folder');
  return node;
}

/**
 * The folder `name` in `parentId`, made when missing. Two clients making it at once: the loser's
 * 409 means it exists now, so it is looked up again.
 */
export async function ensureFolder(parentId: string, name: string): Promise<RemoteNode> {
  const existing = await childNamed(parentId, name);
  if (existing !== undefined) return folderOrRefuse(existing);
  try {
    return await unwrap(createFolder({ body: { parentId, name } }));
  } catch (error) {
    if (!(error instanceof CliError && error.status === 409)) throw error;
    const made = await childNamed(parentId, name);
    if (made === undefined) throw error;
    return folderOrRefuse(made);
  }
}

function folderOrRefuse(node: RemoteNode): RemoteNode {
  if (node.kind !== 'folder')
    throw new CliError(`${node.name}: a file has that name`, ExitCode.conflict, 'name_taken', 409);
  return node;
}

/** Every folder of a slash path, made when missing (`mkdir -p`). */
export async function ensurePath(remotePath: string): Promise<RemoteNode> {
  let folder = await rootFolder();
  for (const name of pathNames(remotePath)) folder = await ensureFolder(folder.id, name);
  return folder;
}
