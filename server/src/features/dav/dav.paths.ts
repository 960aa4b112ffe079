import { AppError } from '../../shared/errors.ts';
import { normaliseNodeName } from '../../shared/names.ts';
import type { Actor } from '../access/access.ts';
import type { NodesService, TreeWork } from '../nodes/nodes.service.ts';
import type { NodeRow } from '../nodes/nodes.table.ts';
import { davNotFound, invalidPath } from './dav.errors.ts';

export const DAV_PREFIX = '/dav';

/**
 * The names a path under /dav/ is made of, each percent-decoded on its own (so `%2F` is inside a
 * name, and refused there) and NFC-normalised as every name is; undefined for a path outside
 * /dav/. Empty segments, `.`, `..`, malformed escapes and names the server refuses are a 400.
 */
export function pathSegments(rawPath: string): string[] | undefined {
  const path = rawPath.split('?', 1)[0] ?? '';
  if (path !== DAV_PREFIX && !path.startsWith(`${DAV_PREFIX}/`)) return undefined;
  const rest = path.slice(DAV_PREFIX.length + 1);
  if (rest === '') return [];
  const parts = rest.split('/');
  if (parts.at(-1) === '') parts.pop();
  return parts.map((part) => {
    let name: string;
    try {
      name = decodeURIComponent(part);
    } catch {
      throw invalidPath();
    }
    try {
      return normaliseNodeName(name);
    } catch (error) {
      if (error instanceof AppError) throw new AppError(400, 'invalid_path', error.message);
      throw error;
    }
  });
}

/** The path of a request (the raw URL as sent, a `#` being part of a name; never the router's decoding of it). */
export function requestSegments(url: string): string[] {
  const segments = pathSegments(url);
  if (segments === undefined) throw invalidPath();
  return segments;
}

/** The href of a node at these names: every name percent-encoded, a folder's with a trailing slash. */
export function hrefOf(segments: readonly string[], folder: boolean): string {
  if (segments.length === 0) return `${DAV_PREFIX}/`;
  return childHref(hrefOf(segments.slice(0, -1), true), segments.at(-1) as string, folder);
}

/** The href of a child named `name` of the folder whose href is `folderHref` (which ends in `/`). */
export function childHref(folderHref: string, name: string, folder: boolean): string {
  return `${folderHref}${encodeURIComponent(name)}${folder ? '/' : ''}`;
}

/** What a path names: the node there (if any) and the folder it is in (if that exists). */
export interface Resolved {
  segments: string[];
  node: NodeRow | undefined;
  /** The live folder the last name is in; undefined for the root, or when it doesn't exist. */
  parent: NodeRow | undefined;
  name: string | undefined;
}

/**
 * Walks the names from the actor's own root, through the nodes service, so only what the actor
 * reaches in their own tree is ever found: another user's node is never at any path (404).
 */
export async function resolvePath(nodes: NodesService, actor: Actor, segments: string[]): Promise<Resolved> {
  const walked = await nodes.pathFromRoot(actor, segments);
  if (walked[0] === undefined) throw davNotFound();
  // The walk stops at the first name that isn't there: what follows has no node, nor a folder above.
  const node = walked.length === segments.length + 1 ? walked.at(-1) : undefined;
  const above = walked.length >= segments.length ? walked[segments.length - 1] : undefined;
  const parent = segments.length > 0 && above?.kind === 'folder' ? above : undefined;
  return { segments, node, parent, name: segments.at(-1) };
}

/** The node at these names of the work's own tree, as the unit of work sees it (walked from its top folder). */
export async function nodeAtIn(nodes: NodesService, w: TreeWork, segments: string[]) {
  let node: NodeRow | undefined = await nodes.rootIn(w);
  for (const name of segments)
    node = node?.kind === 'folder' ? await nodes.liveChildIn(w, node.id, name) : undefined;
  return node;
}

/** The node a path must name, or a 404. */
export async function existing(nodes: NodesService, actor: Actor, segments: string[]) {
  const resolved = await resolvePath(nodes, actor, segments);
  if (resolved.node === undefined) throw davNotFound();
  return { ...resolved, node: resolved.node };
}
