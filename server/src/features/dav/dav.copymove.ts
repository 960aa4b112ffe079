import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { WorkGuard } from '../nodes/nodes.service.ts';
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
 * The source, the destination, what the write changes (for the lock check) and whether Overwrite
 * lets a node at the destination go: F makes one there a 412; T (the default) sends it to the
 * trash first.
 */
async function prepare(dav: DavRequest, moving: boolean) {
  const source = await existing(dav.services.nodes, dav.actor, dav.segments);
  if (source.node.parentId === null) throw rootIsFixed();
  const target = await destinationOf(dav);
  // Into itself, or over a folder it is in: neither can be done without losing the source.
  if (within(target.segments, source.segments)) throw sameResource();
  if (target.node !== undefined && within(source.segments, target.segments)) throw sameResource();
  const destination = { segments: target.segments, deep: true, member: true };
  const scopes = moving
    ? [{ segments: source.segments, deep: true, member: true }, destination]
    : [destination];
  const overwrite = String(dav.request.headers.overwrite ?? 'T').toUpperCase() !== 'F';
  return { source: source.node, target, scopes, overwrite };
}

/**
 * MOVE: a rename and/or move of the same node (its id, shares and properties stay with it), in one
 * unit of work with the lock check, the node it replaces going to the trash and the source's locks
 * being dropped.
 */
export const move: DavHandler = async (dav) => {
  const { source, target, scopes, overwrite } = await prepare(dav, true);
  const { nodes, davLocks } = dav.services;
  let replaced = false;
  await nodes.update(dav.actor, source.id, { name: target.name, parentId: target.parent.id }, async (w) => {
    await checkWrite(dav, scopes, w);
    const there = await nodes.liveChildIn(w, target.parent.id, target.name);
    if (there !== undefined) {
      if (!overwrite) throw destinationExists();
      await nodes.trashIn(w, there.id);
      replaced = true;
    }
    // Locks are on paths: what was locked at the source is not locked where it went.
    await davLocks.dropUnder(dav.user.id, lockPath(dav.segments), w.tx);
  });
  return dav.reply.code(replaced ? 204 : 201).send();
};

/**
 * COPY: a file's content streams again through the one upload path (quota charged, SHA-256
 * taken); a folder is made anew and, at Depth infinity, everything in it copied the same way.
 * Each of those is a unit of work of its own, and each decides on the destination's locks.
 */
export const copy: DavHandler = async (dav) => {
  const depth = dav.request.headers.depth ?? 'infinity';
  if (depth !== '0' && depth !== 'infinity') throw invalidDepth();
  const { source, target, scopes, overwrite } = await prepare(dav, false);
  const guard: WorkGuard = (w) => checkWrite(dav, scopes, w);
  if (target.node !== undefined) {
    if (!overwrite) throw destinationExists();
    await dav.services.nodes.trash(dav.actor, target.node.id, guard);
  }
  await copyNode(dav, source, target.parent.id, target.name, depth === 'infinity', guard);
  return dav.reply.code(target.node !== undefined ? 204 : 201).send();
};

async function copyNode(
  dav: DavRequest,
  source: NodeRow,
  folderId: string,
  name: string,
  deep: boolean,
  guard: WorkGuard,
) {
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
      guard,
    });
    await copyProperties(db, source.id, node.id);
    return;
  }
  const folder = await nodes.createFolder(dav.actor, folderId, name, guard);
  await copyProperties(db, source.id, folder.id);
  if (!deep) return;
  let cursor: string | undefined;
  do {
    const page = await nodes.childRows(source.id, { limit: COPY_PAGE, sort: 'name', order: 'asc', cursor });
    for (const child of page.items) await copyNode(dav, child, folder.id, child.name, true, guard);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
