import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import type { UserRow } from '../users/users.table.ts';
import { adminOnly, crossOrigin, notAuthenticated } from './auth.errors.ts';
import type { Authenticated, AuthService } from './auth.service.ts';

export const SESSION_COOKIE = 'fileshare_session';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type Access = 'public' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; `user` when not given. */
    access?: Access;
  }
  interface FastifyRequest {
    auth: Authenticated | null;
  }
}

/** The signed-in user of a route that requires one. */
export function currentUser(request: FastifyRequest): UserRow {
  if (request.auth === null) throw notAuthenticated();
  return request.auth.user;
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** The origin this API is served from, as a browser on this site would send it. */
function ownOrigin(request: FastifyRequest, config: Config): string {
  return config.publicUrl !== undefined
    ? new URL(config.publicUrl).origin
    : `${request.protocol}://${request.host}`;
}

/**
 * Authenticates every request before its body is read: a bearer token or the session cookie.
 * A cookie-authenticated unsafe request must name this site as its Origin (CSRF defence).
 */
export function registerAuthentication(app: FastifyInstance, auth: AuthService, config: Config) {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    // API routes need a user unless they say otherwise; the web client's files are public.
    const access =
      request.routeOptions.config.access ?? (request.url.startsWith('/api/') ? 'user' : 'public');
    const bearer = bearerToken(request);
    const cookie = request.cookies[SESSION_COOKIE];
    const token = bearer ?? cookie;
    if (token !== undefined) request.auth = (await auth.authenticate(token)) ?? null;
    if (access === 'public' || request.is404) return;
    if (request.auth === null) throw notAuthenticated();
    if (bearer === undefined && UNSAFE_METHODS.has(request.method)) {
      const origin = request.headers.origin ?? refererOrigin(request.headers.referer);
      if (origin !== ownOrigin(request, config)) throw crossOrigin();
    }
    if (access === 'admin' && !request.auth.user.isAdmin) throw adminOnly();
  });
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (referer === undefined) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

export function sessionCookieOptions(config: Config, request: FastifyRequest) {
  const secure = config.publicUrl?.startsWith('https:') ?? request.protocol === 'https';
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    path: '/',
    maxAge: config.sessionTtlDays * 86_400,
  };
}
