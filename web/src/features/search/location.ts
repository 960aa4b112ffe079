import type { SearchResponses } from '../../api/types.gen';

/** A search hit (or a recent or starred node) with the folders that lead to it. */
export type Found = SearchResponses[200]['items'][number];
export type FoundLocation = Found['location'];

/** The folder view's query parameter naming the child to select and scroll to. */
export const HIGHLIGHT_PARAM = 'highlight';

/** Where a node is, for people: "My files / Reports / 2024" or "Shared with me / Team". */
export function locationLabel(location: FoundLocation): string {
  const top = location.ownerId === null ? 'My files' : 'Shared with me';
  return [top, ...location.path.map((folder) => folder.name)].join(' / ');
}

/**
 * The folder that holds a node, with the node highlighted in it. Null for a node shared with me
 * on its own: there is no folder of it I may open.
 */
export function containerLink({ node, location }: Found): string | null {
  const folder = location.path.at(-1);
  const highlight = `?${HIGHLIGHT_PARAM}=${encodeURIComponent(node.id)}`;
  if (folder) return `/folders/${encodeURIComponent(folder.id)}${highlight}`;
  return location.ownerId === null ? `/${highlight}` : null;
}

/** Where opening a hit goes: a folder opens itself; a file opens the folder that holds it. */
export function openTarget(found: Found): string | null {
  if (found.node.kind === 'folder') return `/folders/${encodeURIComponent(found.node.id)}`;
  return containerLink(found);
}
