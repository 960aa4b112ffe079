import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { badRequest } from '../../shared/errors.ts';
import { errors, IdParams, Uuid } from '../../shared/http.ts';
import { ByteCount } from '../../shared/schemas.ts';
import { currentUser } from '../auth/auth.hooks.ts';
import { userNotFound } from '../users/users.errors.ts';
import { User } from '../users/users.schemas.ts';
import { toPublicUser } from '../users/users.service.ts';

const UpdateUserBody = Type.Object(
  {
    quotaBytes: Type.Optional(
      Type.Union([ByteCount(), Type.Null()], {
        description: 'Bytes the account may store; 0 allows nothing, null sets no limit.',
      }),
    ),
    disabled: Type.Optional(
      Type.Boolean({ description: 'A disabled account can not sign in; its sessions end.' }),
    ),
    isAdmin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const adminRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { deps, services }) => {
  const { users, auth, uploads } = services;

  app.get(
    '/admin/users',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'adminListUsers',
        tags: ['admin'],
        summary: 'Every account, by id, a page at a time',
        querystring: Type.Object({
          cursor: Type.Optional(Uuid),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: {
          200: Type.Object({
            users: Type.Array(User),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
            totals: Type.Object({ users: Type.Integer(), usedBytes: Type.Integer() }),
          }),
          ...errors(401, 403),
        },
      },
    },
    async (request) => {
      const rows = await users.list(request.query.cursor, request.query.limit + 1);
      const page = rows.slice(0, request.query.limit);
      return {
        users: page.map(toPublicUser),
        nextCursor: rows.length > page.length ? (page.at(-1)?.id ?? null) : null,
        totals: await users.totals(),
      };
    },
  );

  app.patch(
    '/admin/users/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'adminUpdateUser',
        tags: ['admin'],
        summary: 'Set a quota, disable or enable, promote or demote an account',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: User, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const admin = currentUser(request);
      const { quotaBytes, disabled, isAdmin } = request.body;
      if (request.params.id === admin.id && (disabled === true || isAdmin === false)) {
        throw badRequest('invalid_operation', 'Administrators can not disable or demote themselves.');
      }
      if ((await users.getUser(request.params.id)) === undefined) throw userNotFound();
      const updated = await users.update(request.params.id, {
        ...(quotaBytes !== undefined && { quotaBytes }),
        ...(isAdmin !== undefined && { isAdmin }),
        ...(disabled !== undefined && { disabledAt: disabled ? deps.clock.now() : null }),
      });
      if (disabled === true) {
        await auth.signOutEverywhere(updated.id);
        // Part URLs straight to S3 carry their own signature: only ending the uploads stops them.
        await uploads.abortAllOf(updated.id);
      }
      return toPublicUser(updated);
    },
  );
};
