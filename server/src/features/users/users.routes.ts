import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteOptions } from '../../services.ts';
import { errors } from '../../shared/http.ts';
import { currentUser } from '../auth/auth.hooks.ts';
import { RenameMeBody, User } from './users.schemas.ts';
import { toPublicUser } from './users.service.ts';

export const usersRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { users } = services;

  app.get(
    '/me',
    {
      schema: {
        operationId: 'getMe',
        tags: ['account'],
        summary: 'The signed-in user, with storage used and quota',
        response: { 200: User, ...errors(401) },
      },
    },
    async (request) => toPublicUser(currentUser(request)),
  );

  app.patch(
    '/me',
    {
      config: { access: 'account' },
      schema: {
        operationId: 'updateMe',
        tags: ['account'],
        summary: 'Change the username',
        body: RenameMeBody,
        response: { 200: User, ...errors(400, 401, 403, 409) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      return toPublicUser(await users.update(user.id, { username: request.body.username }));
    },
  );
};
