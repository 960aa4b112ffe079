import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { NodeRow } from '../nodes/nodes.table.ts';
import type { DavHandler, DavRequest } from './dav.context.ts';
import {
  badDestination,
  destinationExists,
  invalidDepth,
  otherServer,
  parentMissing,
  rootIsFixed,
  sameResource,
} from './dav.errors.ts';
import { checkWrite } from './dav.guard.ts';
import { lockPath } from './dav.locks.service.ts';
import { existing, pathSegments, type Resolved, resolvePath } from './dav.paths.ts';
import { copyProperties } from './dav.properties.ts';

const COPY_PAGE = 500;

/** Where a COPY or MOVE goes: the Destination header, which must be under /dav/ on this server. */
async function destinationOf(dav: DavRequest): Promise<Resolved & { parent: NodeRow; name: string }> {
  const header = dav.request.headers.destination;
  if (typeof header !== 'string') throw badDestination();
  let url: URL;
  try {
    url = new URL(header, `${dav.request.protocol}://${dav.request.host}`);
  } catch {
    throw badDestination();
  }
  if (url.host !== dav.request.host) throw otherServer();
  const segments = pathSegments(url.pathname);
  if (segments === undefined || segments.length === 0) throw badDestination();
  const target = await resolvePath(dav.services.nodes, dav.actor, segments);
  if (target.parent === undefined || target.name === undefined) throw parentMissing();
  return { ...target, parent: target.parent, name: target.name };
}

/** Whether `inner` is `outer` or somewhere under it. */
const within = (inner: string[], outer: string[]) =>
  inner.length >= outer.length && outer.every((name, i) => inner[i] === name);

/**
 * The source, the destination, and what Overwrite says to do with a node already there: F is a
 * 412; T (the default) sends it to the trash first. Answers whether something was replaced.
 */
async function prepare(dav: DavRequest, moving: boolean) {
  const source = await existing(dav.services.nodes, dav.actor, dav.segments);
  if (source.node.parentId === null) throw rootIsFixed();
  const target = await destinationOf(dav);
  // Into itself, or over a folder it is in: neither can be done without losing the source.
  if (within(target.segments, source.segments)) throw sameResource();
  if (target.node !== undefined && within(source.segments, target.segments)) throw sameResource();
  const destination = { segments: target.segments, deep: true, member: true };
  await checkWrite(
    dav,
    moving ? [{ segments: source.segments, deep: true, member: true }, destination] : [destination],
  );
  const overwrite = String(dav.request.headers.overwrite ?? 'T').toUpperCase() !== 'F';
  if (target.node !== undefined) {
    if (!overwrite) throw destinationExists();
    await dav.services.nodes.trash(dav.actor, target.node.id);
  }
  return { source: source.node, target, replaced: target.node !== undefined };
}

/** MOVE: a rename and/or move of the same node (its id, shares and properties stay with it). */
export const move: DavHandler = async (dav) => {
  const { source, target, replaced } = await prepare(dav, true);
  await dav.services.nodes.update(dav.actor, source.id, { name: target.name, parentId: target.parent.id });
  // Locks are on paths: what was locked at the source is not locked where it went.
  await dav.services.davLocks.dropUnder(dav.user.id, lockPath(dav.segments));
  return dav.reply.code(replaced ? 204 : 201).send();
};

/**
 * COPY: a file's content streams again through the one upload path (quota charged, SHA-256
 * taken); a folder is made anew and, at Depth infinity, everything in it copied the same way.
 */
export const copy: DavHandler = async (dav) => {
  const depth = dav.request.headers.depth ?? 'infinity';
  if (depth !== '0' && depth !== 'infinity') throw invalidDepth();
  const { source, target, replaced } = await prepare(dav, false);
  await copyNode(dav, source, target.parent.id, target.name, depth === 'infinity');
  return dav.reply.code(replaced ? 204 : 201).send();
};

async function copyNode(dav: DavRequest, source: NodeRow, folderId: string, name: string, deep: boolean) {
  const { nodes, files } = dav.services;
  const { db } = dav.deps.database;
  if (source.kind === 'file') {
    const stored = await files.readBlob(source.blobKey ?? '');
    const body: Readable = source.encoding === 'gzip' ? stored.pipe(createGunzip()) : stored;
    const { node } = await files.upload({
      actor: dav.actor,
      folderId,
      name,
      onConflict: 'fail',
      body,
      declaredSize: source.size ?? undefined,
      declaredSha256: source.sha256 ?? undefined,
      contentType: source.contentType ?? undefined,
      clientConnected: () => !dav.request.raw.socket.destroyed,
    });
    await copyProperties(db, source.id, node.id);
    return;
  }
  const folder = await nodes.createFolder(dav.actor, folderId, name);
  await copyProperties(db, source.id, folder.id);
  if (!deep) return;
  let cursor: string | undefined;
  do {
    const page = await nodes.childRows(source.id, { limit: COPY_PAGE, sort: 'name', order: 'asc', cursor });
    for (const child of page.items) await copyNode(dav, child, folder.id, child.name, true);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
