import { closeIfBodyUnread } from '../../shared/http.ts';
import { etagOf } from '../files/downloads.ts';
import { fileBody } from '../files/file-bodies.ts';
import type { DavHandler, DavRequest } from './dav.context.ts';
import {
  alreadyExists,
  bodyNotSupported,
  davNotFound,
  invalidXml,
  notAFile,
  parentMissing,
  rootIsFixed,
} from './dav.errors.ts';
import { checkWrite } from './dav.guard.ts';
import { lockPath } from './dav.locks.service.ts';
import { existing, hrefOf, resolvePath } from './dav.paths.ts';
import { changeProperties, type PropertyChange } from './dav.properties.ts';
import { LIVE_PROPERTIES } from './dav.propfind.ts';
import {
  childElements,
  DAV_NS,
  isDav,
  MULTISTATUS_CLOSE,
  MULTISTATUS_OPEN,
  multistatusResponse,
  nameOf,
  parseDavBody,
  propertyElement,
  propstat,
  readXmlBody,
  serialise,
} from './dav.xml.ts';

/** Whether the request came with a body (a length above zero, or chunked). */
const hasBody = ({ request }: DavRequest) =>
  (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0') ||
  request.headers['transfer-encoding'] !== undefined;

/** X-OC-Mtime: the file's modification time in seconds since 1970, as ownCloud clients send it. */
function clientMtime({ request }: DavRequest): Date | undefined {
  const header = request.headers['x-oc-mtime'];
  const seconds = typeof header === 'string' ? Number(header) : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 && seconds < 253402300800
    ? new Date(seconds * 1000)
    : undefined;
}

/**
 * PUT: the body streams through the one upload path (blob first, metadata last, the quota charged
 * once); a file already there is replaced, keeping its id (201 new, 204 replaced).
 */
export const put: DavHandler = async (dav) => {
  const { request, reply, services } = dav;
  const target = await resolvePath(services.nodes, dav.actor, dav.segments);
  if (target.name === undefined || target.node?.kind === 'folder') throw notAFile();
  const { parent, name } = target;
  if (parent === undefined) throw parentMissing();
  // A first look refuses a locked file before its body is read; the unit of work decides.
  await checkWrite(dav, [{ segments: dav.segments, member: target.node === undefined }]);
  closeIfBodyUnread(request, reply);
  const body = fileBody(request);
  // macOS Finder sends chunked bodies and says how long they will be in a header of its own.
  const expected = Number(request.headers['x-expected-entity-length']);
  const declaredSize =
    body.declaredSize ?? (Number.isSafeInteger(expected) && expected >= 0 ? expected : undefined);
  const modifiedAt = clientMtime(dav);
  const result = await services.files.upload({
    actor: dav.actor,
    folderId: parent.id,
    reachedFolder: parent,
    name,
    onConflict: 'replace',
    ...body,
    declaredSize,
    modifiedAt,
    // Whether the file is new (a lock on the folder then applies) is read only when there is one.
    guard: (w) =>
      checkWrite(
        dav,
        [
          {
            segments: dav.segments,
            member: async () => (await services.nodes.liveChildIn(w, parent.id, name)) === undefined,
          },
        ],
        w,
      ),
  });
  if (modifiedAt !== undefined) reply.header('x-oc-mtime', 'accepted');
  return reply
    .code(result.created ? 201 : 204)
    .header('etag', etagOf(result.node))
    .send();
};

/** MKCOL: 201; 405 when something is there; 409 when the folder above is missing; 415 with a body. */
export const mkcol: DavHandler = async (dav) => {
  if (hasBody(dav)) {
    closeIfBodyUnread(dav.request, dav.reply);
    throw bodyNotSupported();
  }
  const target = await resolvePath(dav.services.nodes, dav.actor, dav.segments);
  if (target.node !== undefined) throw alreadyExists();
  if (target.parent === undefined || target.name === undefined) throw parentMissing();
  await dav.services.nodes.createFolder(dav.actor, target.parent.id, target.name, (w) =>
    checkWrite(dav, [{ segments: dav.segments, member: true }], w),
  );
  return dav.reply.code(201).send();
};

/** DELETE: to the trash, as in the web client (with everything under a folder). */
export const remove: DavHandler = async (dav) => {
  const { node } = await existing(dav.services.nodes, dav.actor, dav.segments);
  if (node.parentId === null) throw rootIsFixed();
  await dav.services.nodes.trash(dav.actor, node.id, async (w) => {
    await checkWrite(dav, [{ segments: dav.segments, deep: true, member: true }], w);
    await dav.services.davLocks.dropUnder(dav.user.id, lockPath(dav.segments), w.tx);
  });
  return dav.reply.code(204).send();
};

/** The changes a propertyupdate body asks for, in document order. */
async function propertyChanges(text: string): Promise<PropertyChange[]> {
  const root = await parseDavBody(text, 'propertyupdate');
  if (root === undefined) throw invalidXml('PROPPATCH needs a propertyupdate body');
  const changes: PropertyChange[] = [];
  for (const instruction of childElements(root)) {
    const setting = isDav(instruction, 'set');
    if (!setting && !isDav(instruction, 'remove')) continue;
    for (const prop of childElements(instruction).filter((element) => isDav(element, 'prop')))
      for (const property of childElements(prop))
        changes.push({ ...nameOf(property), value: setting ? serialise(property) : undefined });
  }
  return changes;
}

/**
 * PROPPATCH: dead properties kept as sent, all or none, in one unit of work on the node's tree.
 * Live properties can't be set or removed (403; the rest 424, nothing changed).
 */
export const proppatch: DavHandler = async (dav) => {
  const { services, reply } = dav;
  const changes = await propertyChanges(await readXmlBody(dav.request.raw));
  const { node, segments } = await existing(services.nodes, dav.actor, dav.segments);
  const scopes = [{ segments }];
  const isLive = (change: PropertyChange) => change.namespace === DAV_NS && LIVE_PROPERTIES.has(change.name);
  const elements = (list: PropertyChange[]) => list.map((change) => propertyElement(change));
  let inner: string;
  if (changes.some(isLive)) {
    // Nothing is written; a locked resource still answers as locked.
    await checkWrite(dav, scopes);
    inner =
      propstat(403, elements(changes.filter(isLive))) +
      (changes.some((change) => !isLive(change))
        ? propstat(424, elements(changes.filter((c) => !isLive(c))))
        : '');
  } else {
    const ownerId = await services.nodes.ownerOf(dav.actor, node.id, davNotFound);
    await services.nodes.inTree(
      ownerId,
      undefined,
      async (w) => {
        await checkWrite(dav, scopes, w);
        await services.nodes.nodeIn(w, node.id, 'write', davNotFound);
        await changeProperties(w.tx, node.id, changes);
      },
      dav.actor,
    );
    inner = propstat(200, elements(changes));
  }
  const body =
    MULTISTATUS_OPEN +
    multistatusResponse(hrefOf(segments, node.kind === 'folder'), inner) +
    MULTISTATUS_CLOSE;
  return reply.code(207).type('application/xml; charset=utf-8').send(body);
};
