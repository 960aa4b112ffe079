import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth.service.ts';
import type { UserRow } from '../users/users.table.ts';
import { davNotAuthenticated } from './dav.errors.ts';

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
 * Who a WebDAV request is from: HTTP Basic with the username and, as the password, a session
 * token (`POST /api/v1/auth/login`). The session cookie is never taken, so that no page elsewhere
 * can make a browser change the drive. 401 with a Basic challenge otherwise.
 */
export async function davUser(request: FastifyRequest, auth: AuthService): Promise<UserRow> {
  const credentials = basicCredentials(request);
  if (credentials === undefined) throw davNotAuthenticated();
  const found = await auth.authenticate(credentials.password);
  if (found === undefined || found.user.username.toLowerCase() !== credentials.username.toLowerCase())
    throw davNotAuthenticated();
  return found.user;
}
