import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Config } from '../../config.ts';
import { siteOrigin } from '../../shared/http.ts';
import { type Actor, userActor } from '../access/access.ts';
import type { UserRow } from '../users/users.table.ts';
import { scopeAllows } from './app-passwords.service.ts';
import {
  adminOnly,
  crossOrigin,
  notAuthenticated,
  readOnlyAppPassword,
  sessionRequired,
} from './auth.errors.ts';
import type { Authenticated, AuthService } from './auth.service.ts';

export const SESSION_COOKIE = 'fileshare_session';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * `public`: anyone; `user`: a signed-in user, by session or app password (within its scope);
 * `account`: the account itself, by session only (its password, username, sessions, app
 * passwords); `admin`: an administrator, by session only.
 */
export type Access = 'public' | 'user' | 'account' | 'admin';

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

/** The signed-in user as the access check knows them. */
export const currentActor = (request: FastifyRequest): Actor => userActor(currentUser(request).id);

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** Marks a route public; an `onRoute` hook for a scope whose every route anyone may fetch. */
export function everyRoutePublic(route: RouteOptions) {
  route.config = { ...route.config, access: 'public' };
}

/**
 * Authenticates every request before its body is read: a bearer token (a session's or an app
 * password) or the session cookie. An app password calls only what its scope allows.
 * Who may call a route is the matched route's own `access` (a user when it doesn't say), never a
 * guess from the URL, which can be spelled many ways (`/%61pi/…`) for the same route. Every
 * cookie-authenticated unsafe request must name this site as its Origin (CSRF defence), whatever
 * the route, public ones included.
 */
export function registerAuthentication(app: FastifyInstance, auth: AuthService, config: Config) {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    const bearer = bearerToken(request);
    const cookie = request.cookies[SESSION_COOKIE];
    const token = bearer ?? cookie;
    if (token !== undefined) {
      const found = await auth.authenticate(token, { address: request.ip, bearer: bearer !== undefined });
      request.auth = found ?? null;
    }
    if (request.auth !== null && bearer === undefined && UNSAFE_METHODS.has(request.method)) {
      const origin = request.headers.origin ?? refererOrigin(request.headers.referer);
      if (origin !== siteOrigin(request, config.publicUrl)) throw crossOrigin();
    }
    const access = request.routeOptions.config.access ?? 'user';
    if (request.is404) return;
    const appPassword = request.auth?.appPassword;
    if (appPassword) {
      // Decided on the matched route and the method it was called with, never on the URL.
      if (access === 'account' || access === 'admin') throw sessionRequired();
      if (!scopeAllows(appPassword.scope, request.method)) throw readOnlyAppPassword();
    }
    if (access === 'public') return;
    if (request.auth === null) throw notAuthenticated();
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
