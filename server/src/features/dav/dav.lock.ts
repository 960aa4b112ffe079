import { Readable } from 'node:stream';
import { AppError } from '../../shared/errors.ts';
import { closeIfBodyUnread } from '../../shared/http.ts';
import type { DavHandler, DavRequest } from './dav.context.ts';
import { ifFailed, invalidDepth, invalidLockInfo, lockNotFound, parentMissing } from './dav.errors.ts';
import { ifListsOf } from './dav.guard.ts';
import { submittedTokens } from './dav.if.ts';
import { covers, type LockScope, lockPath, timeoutOf } from './dav.locks.service.ts';
import type { DavLockRow } from './dav.locks.table.ts';
import { hrefOf, nodeAtIn, resolvePath } from './dav.paths.ts';
import { childElements, escapeXml, isDav, parseDavBody, readXmlBody, serialise } from './dav.xml.ts';

/** The locks this server offers, as `supportedlock` lists them. */
export const SUPPORTED_LOCK = ['exclusive', 'shared']
  .map(
    (scope) =>
      `<D:lockentry><D:lockscope><D:${scope}/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>`,
  )
  .join('');

/** One lock as `lockdiscovery` shows it. */
export function activeLock(lock: DavLockRow): string {
  const root = lock.path === '/' ? [] : lock.path.slice(1).split('/');
  return (
    '<D:activelock><D:locktype><D:write/></D:locktype>' +
    `<D:lockscope><D:${lock.scope}/></D:lockscope><D:depth>${lock.depth}</D:depth>` +
    (lock.owner ?? '') +
    `<D:timeout>Second-${lock.timeoutSeconds}</D:timeout>` +
    `<D:locktoken><D:href>${escapeXml(lock.token)}</D:href></D:locktoken>` +
    `<D:lockroot><D:href>${escapeXml(hrefOf(root, false))}</D:href></D:lockroot></D:activelock>`
  );
}

const lockAnswer = (dav: DavRequest, status: number, lock: DavLockRow) =>
  dav.reply
    .code(status)
    .header('lock-token', `<${lock.token}>`)
    .type('application/xml; charset=utf-8')
    .send(
      `<?xml version="1.0" encoding="utf-8"?>\n<D:prop xmlns:D="DAV:"><D:lockdiscovery>${activeLock(lock)}</D:lockdiscovery></D:prop>\n`,
    );

/** What a lockinfo body asks for: the scope (the type must be write) and the owner element. */
async function lockInfo(text: string) {
  const root = await parseDavBody(text, 'lockinfo');
  if (root === undefined) return undefined;
  const parts = childElements(root);
  const scopeElement = parts.find((element) => isDav(element, 'lockscope'));
  const scope = scopeElement && childElements(scopeElement)[0];
  if (scope === undefined || !(isDav(scope, 'exclusive') || isDav(scope, 'shared')))
    throw invalidLockInfo('lockscope must be exclusive or shared');
  const typeElement = parts.find((element) => isDav(element, 'locktype'));
  const type = typeElement && childElements(typeElement)[0];
  if (type === undefined || !isDav(type, 'write')) throw invalidLockInfo('locktype must be write');
  const owner = parts.find((element) => isDav(element, 'owner'));
  return { scope: scope.localName as LockScope, owner: owner === undefined ? undefined : serialise(owner) };
}

/** A refresh: a LOCK without a body gives the lock its If header names a new time. */
async function refresh(dav: DavRequest, timeoutSeconds: number) {
  const tokens = submittedTokens(ifListsOf(dav));
  if (tokens.size === 0) throw invalidLockInfo('a refresh needs the lock token in an If header');
  const path = lockPath(dav.segments);
  const locks = await dav.services.davLocks.active(dav.user.id);
  const lock = locks.find((candidate) => tokens.has(candidate.token) && covers(candidate, path));
  if (lock === undefined) throw ifFailed();
  const refreshed = await dav.services.davLocks.refresh(dav.user.id, lock.token, timeoutSeconds);
  if (refreshed === undefined) throw ifFailed();
  return lockAnswer(dav, 200, refreshed);
}

/**
 * LOCK: a new write lock (exclusive or shared, Depth 0 or infinity), decided in one unit of work
 * on the tree; on an unmapped path it makes an empty file there (201). Without a body: a refresh.
 */
export const lock: DavHandler = async (dav) => {
  const { request, services } = dav;
  const info = await lockInfo(await readXmlBody(request.raw));
  const timeoutSeconds = timeoutOf(String(request.headers.timeout ?? ''));
  if (info === undefined) return refresh(dav, timeoutSeconds);
  const depth = request.headers.depth ?? 'infinity';
  if (depth !== '0' && depth !== 'infinity') throw invalidDepth();
  const target = await resolvePath(services.nodes, dav.actor, dav.segments);
  if (target.node === undefined && (target.parent === undefined || target.name === undefined))
    throw parentMissing();
  const { lock: granted, also: mapped } = await services.davLocks.take(
    dav.user.id,
    { path: lockPath(dav.segments), scope: info.scope, depth, owner: info.owner, timeoutSeconds },
    async (w) => (await nodeAtIn(services.nodes, w, dav.segments)) !== undefined,
  );
  if (mapped || target.parent === undefined || target.name === undefined)
    return lockAnswer(dav, 200, granted);
  // RFC 4918 7.3: locking an unmapped URL makes an empty resource there.
  try {
    await services.files.upload({
      actor: dav.actor,
      folderId: target.parent.id,
      name: target.name,
      onConflict: 'fail',
      body: Readable.from([]),
      declaredSize: 0,
      declaredSha256: undefined,
      contentType: undefined,
      clientConnected: () => true,
    });
  } catch (error) {
    // Made meanwhile by another request: the lock is on it now. Anything else: no lock either.
    if (!(error instanceof AppError && error.status === 409)) {
      await services.davLocks.release(dav.user.id, granted.token);
      throw error;
    }
  }
  return lockAnswer(dav, 201, granted);
};

/** UNLOCK: removes the lock its Lock-Token header names, which must apply to the path (409 otherwise). */
export const unlock: DavHandler = async (dav) => {
  closeIfBodyUnread(dav.request, dav.reply);
  const header = dav.request.headers['lock-token'];
  const token = typeof header === 'string' ? /^\s*<([^>]+)>\s*$/.exec(header)?.[1] : undefined;
  if (token === undefined) throw new AppError(400, 'invalid_lock_token', 'Lock-Token must be a <token>.');
  const path = lockPath(dav.segments);
  const locks = await dav.services.davLocks.active(dav.user.id);
  if (!locks.some((candidate) => candidate.token === token && covers(candidate, path))) throw lockNotFound();
  await dav.services.davLocks.release(dav.user.id, token);
  return dav.reply.code(204).send();
};
