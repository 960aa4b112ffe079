import { alternativeName } from '../../shared/names.ts';
import type { TreeEntry } from './nodes.repository.ts';
import type { NodeRow } from './nodes.table.ts';

export interface ArchiveEntry {
  path: string;
  kind: 'folder' | 'file';
  blobKey: string | null;
  gzip: boolean;
}

/**
 * The entries of an archive of these nodes: each file and folder under them, with its path from
 * the archive's top, sorted by path. Two selected items with one name get distinct names.
 */
export async function archiveEntriesOf(
  tops: NodeRow[],
  liveTree: (folderId: string) => Promise<TreeEntry[]>,
): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  const topNames = new Set<string>();
  for (const node of tops) {
    let top = node.name;
    for (let n = 2; topNames.has(top); n++) top = alternativeName(node.name, n);
    topNames.add(top);
    if (node.kind === 'file') {
      entries.push({ path: top, kind: 'file', blobKey: node.blobKey, gzip: node.encoding === 'gzip' });
      continue;
    }
    const tree = await liveTree(node.id);
    const byId = new Map(tree.map((entry) => [entry.id, entry]));
    const paths = new Map<string, string>([[node.id, top]]);
    const pathOf = (entry: TreeEntry): string => {
      let path = paths.get(entry.id);
      if (path === undefined) {
        path = `${pathOf(byId.get(entry.parentId ?? '') as TreeEntry)}/${entry.name}`;
        paths.set(entry.id, path);
      }
      return path;
    };
    for (const entry of tree) {
      entries.push({
        path: pathOf(entry),
        kind: entry.kind,
        blobKey: entry.blobKey,
        gzip: entry.encoding === 'gzip',
      });
    }
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
