import type { FastifyRequest } from 'fastify';
import { type AppPasswordsService, scopeAllows } from '../auth/app-passwords.service.ts';
import type { UserRow } from '../users/users.table.ts';
import { davNotAuthenticated, davReadOnly } from './dav.errors.ts';

/** The username and password of an `Authorization: Basic` header, when it has one that parses. */
export function basicCredentials(
  request: FastifyRequest,
): { username: string; password: string } | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Who a WebDAV request is from: HTTP Basic with the username and one of their app passwords (the
 * account password is refused), failed attempts limited like sign-ins. The session cookie is never
 * taken, so that no page elsewhere can make a browser change the drive. A read-only app password
 * may only read. 401 with a Basic challenge otherwise.
 */
export async function davUser(request: FastifyRequest, appPasswords: AppPasswordsService): Promise<UserRow> {
  const credentials = basicCredentials(request);
  if (credentials === undefined) throw davNotAuthenticated();
  const { user, scope } = await appPasswords.authenticateBasic(
    credentials.username,
    credentials.password,
    request.ip,
  );
  if (!scopeAllows(scope, request.method)) throw davReadOnly();
  return user;
}
