import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { errors } from '../../shared/http.ts';
import { ByteCount, Nullable, StringEnum } from '../../shared/schemas.ts';
import { everyRoutePublic, sessionCookieOptions } from '../auth/auth.hooks.ts';
import { dropRoutes } from './drop.routes.ts';
import { GRANT_TTL_MS } from './shares.grants.ts';
import type { LiveLink } from './shares.service.ts';

export const GRANT_COOKIE = 'fileshare_share';
export const GRANT_HEADER = 'x-share-access';

export const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) });

/** The grant a request shows for a link: the header API clients send, or the cookie unlock set. */
export function grantOf(request: FastifyRequest): string | undefined {
  const header = request.headers[GRANT_HEADER];
  if (typeof header === 'string') return header;
  return request.cookies[GRANT_COOKIE];
}

const PublicLink = Type.Object(
  {
    kind: StringEnum(['link', 'drop']),
    node: Type.Object({
      name: Type.String(),
      kind: StringEnum(['folder', 'file']),
      size: Nullable(ByteCount()),
      contentType: Nullable(Type.String()),
      updatedAt: Type.String({ format: 'date-time' }),
    }),
    passwordRequired: Type.Boolean(),
    unlocked: Type.Boolean({
      description: 'Whether this request may use the link (no password, or a grant).',
    }),
    expiresAt: Nullable(Type.String({ format: 'date-time' })),
    drop: Nullable(
      Type.Object({
        maxFileBytes: Nullable(ByteCount()),
        filesLeft: Nullable(
          Type.Integer({ description: 'How many more files it takes; null for no limit.' }),
        ),
      }),
    ),
  },
  { title: 'PublicLink' },
);

function toPublicLink({ share, node }: LiveLink, unlocked: boolean) {
  return {
    kind: share.kind,
    node: {
      name: node.name,
      kind: node.kind,
      size: node.size,
      contentType: node.contentType,
      updatedAt: node.updatedAt.toISOString(),
    },
    passwordRequired: share.passwordHash !== null,
    unlocked,
    expiresAt: share.expiresAt?.toISOString() ?? null,
    drop:
      share.kind === 'drop'
        ? {
            maxFileBytes: share.maxFileBytes,
            filesLeft: share.maxFiles === null ? null : share.maxFiles - share.filesDropped,
          }
        : null,
  };
}

/** What anyone holding a link reaches, without an account: every route here is public. */
export const publicRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { deps, services }) => {
  const { shares, shareGrants } = services;
  app.addHook('onRoute', everyRoutePublic);
  await app.register(dropRoutes, { deps, services });

  app.get(
    '/public/:token',
    {
      schema: {
        operationId: 'getPublicLink',
        tags: ['public'],
        summary: 'What a link shares: its name, kind and size, and whether a password is needed',
        params: TokenParams,
        response: { 200: PublicLink, ...errors(404) },
      },
    },
    async (request) => {
      const { token } = request.params;
      const link = await shares.resolve(token);
      const unlocked = await shareGrants.open(token, grantOf(request)).then(
        () => true,
        () => false,
      );
      await shares.record({ shareId: link.share.id, address: request.ip, action: 'view' });
      return toPublicLink(link, unlocked);
    },
  );

  app.post(
    '/public/:token/unlock',
    {
      schema: {
        operationId: 'unlockPublicLink',
        tags: ['public'],
        summary: 'Trade a link’s password for a grant to use it (a cookie for this link, and `access`)',
        description:
          'API clients send `access` as X-Share-Access on the link’s other routes. Attempts are rate-limited per ' +
          'link and address, and per link.',
        params: TokenParams,
        body: Type.Object(
          { password: Type.String({ minLength: 1, maxLength: 256 }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ access: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
          ...errors(400, 401, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const { token } = request.params;
      const { access, expiresAt } = await shareGrants.unlock(token, request.body.password, request.ip);
      reply.setCookie(GRANT_COOKIE, access, {
        ...sessionCookieOptions(deps.config, request),
        path: `/api/v1/public/${token}`,
        maxAge: GRANT_TTL_MS / 1000,
      });
      return { access, expiresAt: expiresAt.toISOString() };
    },
  );
};
