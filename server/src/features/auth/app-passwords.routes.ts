import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { errors, IdParams, NoContent } from '../../shared/http.ts';
import { AppPassword, AppPasswordCreated, CreateAppPasswordBody } from './app-passwords.schemas.ts';
import type { AppPasswordRow } from './app-passwords.table.ts';
import { currentUser } from './auth.hooks.ts';

const toAppPassword = (row: AppPasswordRow) => ({
  id: row.id,
  name: row.name,
  scope: row.scope,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  lastAddress: row.lastAddress,
});

/** The account's app passwords; managed only by the account itself (a session), never by one of them. */
export const appPasswordsRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { appPasswords } = services;

  app.post(
    '/me/app-passwords',
    {
      config: { access: 'account' },
      schema: {
        operationId: 'createAppPassword',
        tags: ['account'],
        summary: 'Make an app password for one client (WebDAV or the API); the password is shown only here',
        body: CreateAppPasswordBody,
        response: { 201: AppPasswordCreated, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { name, scope } = request.body;
      const { row, password } = await appPasswords.create(currentUser(request).id, name, scope);
      return reply.code(201).send({
        id: row.id,
        name: row.name,
        scope: row.scope,
        createdAt: row.createdAt.toISOString(),
        password,
      });
    },
  );

  app.get(
    '/me/app-passwords',
    {
      config: { access: 'account' },
      schema: {
        operationId: 'listAppPasswords',
        tags: ['account'],
        summary: "The account's app passwords, newest first, with their last use",
        response: { 200: Type.Object({ appPasswords: Type.Array(AppPassword) }), ...errors(401, 403) },
      },
    },
    async (request) => ({
      appPasswords: (await appPasswords.list(currentUser(request).id)).map(toAppPassword),
    }),
  );

  app.delete(
    '/me/app-passwords/:id',
    {
      config: { access: 'account' },
      schema: {
        operationId: 'revokeAppPassword',
        tags: ['account'],
        summary: 'Revoke an app password; it stops working at once',
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await appPasswords.revoke(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
