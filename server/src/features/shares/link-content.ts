import type { Deps } from '../../deps.ts';
import type { AppError } from '../../shared/errors.ts';
import { databaseFacts } from '../access/access.facts.ts';
import { permits, roleOn } from '../access/access.ts';
import { fileNotFound, folderNotFound, nodeNotFound } from '../nodes/nodes.errors.ts';
import type { PageRequest } from '../nodes/nodes.pages.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import type { NodeRow } from '../nodes/nodes.table.ts';
import type { LiveLink } from './shares.service.ts';

/** A folder on the way from the link's node down to a node of its tree. */
export interface Crumb {
  id: string;
  name: string;
}

/** A node reached through a link, and the path to it from the link's node (both included). */
export interface Reached {
  node: NodeRow;
  path: Crumb[];
}

export type LinkContent = ReturnType<typeof createLinkContent>;

/**
 * What a link to a file or a folder reads: the nodes of the tree under the link's node, each
 * through the one access check with the link as the actor, and only while it and every folder
 * between it and the link's node are out of the trash. Anything else is answered exactly like a
 * node that does not exist.
 */
export function createLinkContent({ database }: Pick<Deps, 'database'>, nodes: NodesService) {
  const { db } = database;
  const facts = databaseFacts(db);

  /** The node `id` names (`root`: the link's own node) if the link may read it. */
  async function reach(link: LiveLink, id: string, notFound: () => AppError): Promise<Reached> {
    const node = id === 'root' ? link.node : await nodes.find(id);
    if (node === undefined) throw notFound();
    // The chain is read once: the access check decides on it, and the trash and the path come from it.
    const chain = await nodes.lineage(node.id);
    const onChain = { ...facts, lineage: async () => chain.map((row) => row.id) };
    if (permits(await roleOn(link.actor, node, onChain), 'read') !== 'allowed') throw notFound();
    const top = chain.findIndex((row) => row.id === link.node.id);
    const inside = chain.slice(0, top + 1);
    if (top < 0 || inside.some((row) => row.trashedAt !== null)) throw notFound();
    return { node, path: inside.reverse().map(({ id, name }) => ({ id, name })) };
  }

  return {
    async file(link: LiveLink, id: string): Promise<NodeRow> {
      const { node } = await reach(link, id, fileNotFound);
      if (node.kind !== 'file') throw fileNotFound();
      return node;
    },

    /** A folder of the link's tree and a page of its live children, ordered as the owner's listing. */
    async listFolder(link: LiveLink, id: string, request: PageRequest) {
      const { node: folder, path } = await reach(link, id, folderNotFound);
      if (folder.kind !== 'folder') throw folderNotFound();
      return { folder, path, ...(await nodes.children(folder.id, request)) };
    },

    /** What a zip of these nodes of the link's tree holds (no ids: the link's whole node). */
    async archive(link: LiveLink, ids: string[] | undefined) {
      const tops: NodeRow[] = [];
      for (const id of ids ?? ['root']) tops.push((await reach(link, id, nodeNotFound)).node);
      return { tops, entries: await nodes.archiveOf(tops) };
    },
  };
}

/** A node as a link's holder sees it: the link's own node has no folder, whatever it sits in. */
export function withinLink<T extends { id: string; parentId: string | null }>(link: LiveLink, node: T): T {
  return node.id === link.node.id ? { ...node, parentId: null } : node;
}
