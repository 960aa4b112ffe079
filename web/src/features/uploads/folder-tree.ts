import { createFolder, getFolder } from '../../api/sdk.gen';
import { ApiError, unwrap } from '../../app/api-client';

/** A file and the folders it sits in, relative to where it was dropped ([] = right there). */
export type PickedFile = { file: File; dirs: string[] };

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) return resolve(all);
        all.push(...batch);
        next();
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, dirs: string[], out: PickedFile[]) {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ file, dirs });
  } else if (entry.isDirectory) {
    const children = await readAll((entry as FileSystemDirectoryEntry).createReader());
    for (const child of children) await walk(child, [...dirs, entry.name], out);
  }
}

/** The files of a drop, folders included (walked, so the tree can be recreated). */
export async function filesFromDrop(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length > 0 && entries.every((entry) => entry !== null)) {
    const out: PickedFile[] = [];
    for (const entry of entries) await walk(entry as FileSystemEntry, [], out);
    return out;
  }
  return [...data.files].map((file) => ({ file, dirs: [] }));
}

/** Files from an <input webkitdirectory>: their webkitRelativePath holds the folders. */
export function filesFromFolderInput(files: File[]): PickedFile[] {
  return files.map((file) => ({ file, dirs: file.webkitRelativePath.split('/').slice(0, -1) }));
}

/**
 * Creates (or finds) the folders the picked files sit in under `parentId`, and answers each file
 * with the id of the folder it goes to.
 */
export async function placeInFolders(parentId: string, picked: PickedFile[]) {
  const folderIds = new Map<string, Promise<string>>();
  const ensure = (dirs: string[]): Promise<string> => {
    if (dirs.length === 0) return Promise.resolve(parentId);
    const path = dirs.join('/');
    let id = folderIds.get(path);
    if (!id) {
      id = ensure(dirs.slice(0, -1)).then((parent) =>
        findOrCreateFolder(parent, dirs[dirs.length - 1] as string),
      );
      folderIds.set(path, id);
    }
    return id;
  };
  const placed: { file: File; parentId: string }[] = [];
  for (const { file, dirs } of picked) placed.push({ file, parentId: await ensure(dirs) });
  return placed;
}

async function findOrCreateFolder(parentId: string, name: string): Promise<string> {
  try {
    return (await unwrap(createFolder({ body: { parentId, name } }))).id;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 409)) throw error;
    let cursor: string | undefined;
    do {
      const page = await unwrap(
        getFolder({ path: { id: parentId }, query: { limit: 1000, sort: 'name', order: 'asc', cursor } }),
      );
      const existing = page.children.find((child) => child.kind === 'folder' && child.name === name);
      if (existing) return existing.id;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    throw error;
  }
}
