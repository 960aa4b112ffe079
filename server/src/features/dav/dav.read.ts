import { Readable } from 'node:stream';
import type { DavHandler, DavRequest } from './dav.context.ts';
import { invalidDepth } from './dav.errors.ts';
import { covers, lockPath } from './dav.locks.service.ts';
import { childHref, existing, hrefOf } from './dav.paths.ts';
import type { DavPropertyRow } from './dav.properties.table.ts';
import { childrenHaveProperties, propertiesOf } from './dav.properties.ts';
import { type PropfindRequest, propfindRequest, propfindResponse, type Storage } from './dav.propfind.ts';
import { davErrorBody, MULTISTATUS_CLOSE, MULTISTATUS_OPEN, parseDavBody, readXmlBody } from './dav.xml.ts';

// Children are read, and their answers written, this many at a time: a folder of any size is
// answered as it is read, never held whole.
const PROPFIND_PAGE = 100;

/** The user's storage, from the row the request was authenticated with (read for it, not again). */
function storageOf({ user: fresh }: DavRequest): Storage {
  const availableBytes =
    fresh.quotaBytes === null
      ? undefined
      : Math.max(0, fresh.quotaBytes - fresh.usedBytes - fresh.reservedBytes);
  return { usedBytes: fresh.usedBytes, availableBytes };
}

/** Whether the answers need the nodes' dead properties at all. */
const needsDeadProperties = (request: PropfindRequest) =>
  request.kind !== 'prop' || request.properties.some((property) => property.namespace !== 'DAV:');

/** Whether the answers show `lockdiscovery`, which reads the user's locks. */
const needsLocks = (request: PropfindRequest) =>
  request.kind === 'allprop' ||
  (request.kind === 'prop' &&
    request.properties.some((p) => p.namespace === 'DAV:' && p.name === 'lockdiscovery'));

/** PROPFIND, Depth 0 or 1 (infinity: 403 propfind-finite-depth), streamed page by page. */
export const propfind: DavHandler = async (dav) => {
  const { request, reply, deps, services } = dav;
  const depth = request.headers.depth ?? 'infinity';
  if (depth === 'infinity')
    return reply.code(403).type('application/xml; charset=utf-8').send(davErrorBody('propfind-finite-depth'));
  if (depth !== '0' && depth !== '1') throw invalidDepth();
  const asked = propfindRequest(await parseDavBody(await readXmlBody(request.raw), 'propfind'));
  const { node, segments } = await existing(services.nodes, dav.actor, dav.segments);
  const storage = storageOf(dav);
  const locks = needsLocks(asked) ? await services.davLocks.active(dav.user.id) : [];
  const unlocked = { storage, locks: [] };
  const live = (names: string[]) =>
    locks.length === 0 ? unlocked : { storage, locks: locks.filter((lock) => covers(lock, lockPath(names))) };
  const { db } = deps.database;
  const dead = async (ids: string[]) => (needsDeadProperties(asked) ? propertiesOf(db, ids) : new Map());
  async function* multistatus(): AsyncGenerator<string> {
    yield MULTISTATUS_OPEN;
    const own = await dead([node.id]);
    yield propfindResponse(
      hrefOf(segments, node.kind === 'folder'),
      node,
      asked,
      own.get(node.id) ?? [],
      live(segments),
    );
    if (depth === '0' || node.kind !== 'folder') {
      yield MULTISTATUS_CLOSE;
      return;
    }
    const childrenDead =
      needsDeadProperties(asked) && (await childrenHaveProperties(db, node.id))
        ? propertiesOf
        : async () => new Map<string, DavPropertyRow[]>();
    const folderHref = hrefOf(segments, true);
    let cursor: string | undefined;
    do {
      const page = await services.nodes.childRows(node.id, {
        limit: PROPFIND_PAGE,
        sort: 'name',
        order: 'asc',
        cursor,
      });
      const properties = await childrenDead(
        db,
        page.items.map((child) => child.id),
      );
      let answers = '';
      for (const child of page.items) {
        answers += propfindResponse(
          childHref(folderHref, child.name, child.kind === 'folder'),
          child,
          asked,
          properties.get(child.id) ?? [],
          live(locks.length === 0 ? segments : [...segments, child.name]),
        );
      }
      yield answers;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    yield MULTISTATUS_CLOSE;
  }
  // One page waits at most while the client reads the one before: memory stays that of a page.
  return reply
    .code(207)
    .type('application/xml; charset=utf-8')
    .send(Readable.from(multistatus(), { highWaterMark: 1 }));
};

/** GET and HEAD of a file, through the one way content is answered; a folder has no content. */
export const download: DavHandler = async (dav) => {
  const { node } = await existing(dav.services.nodes, dav.actor, dav.segments);
  if (node.kind !== 'file') {
    // A folder answers an empty page, so a browser pointed at /dav/ sees that the mount is there.
    return dav.reply.code(200).type('text/plain; charset=utf-8').send('');
  }
  // ownCloud clients check what they downloaded against this.
  if (node.sha256 !== null) dav.reply.header('oc-checksum', `SHA256:${node.sha256}`);
  return dav.downloads.sendFile(dav.request, dav.reply, node);
};
