import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { errors, IdParams, NoContent } from '../../shared/http.ts';
import { toPublicUser } from '../users/users.service.ts';
import { currentUser, SESSION_COOKIE, sessionCookieOptions } from './auth.hooks.ts';
import {
  ChangePasswordBody,
  Credentials,
  RegisterBody,
  Registration,
  Session,
  SessionCreated,
} from './auth.schemas.ts';

export const authRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { deps, services }) => {
  const { auth } = services;

  app.get(
    '/auth/registration',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'getRegistration',
        tags: ['auth'],
        summary: 'Whether an account can be registered, and whether that needs an invitation',
        response: { 200: Registration },
      },
    },
    async () => ({ mode: await auth.registrationMode() }),
  );

  app.post(
    '/auth/register',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'register',
        tags: ['auth'],
        summary:
          'Create an account (the first one becomes the administrator) and sign in; rate limited per address',
        body: RegisterBody,
        response: { 201: SessionCreated, ...errors(400, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const { token, user } = await auth.register(request.body, request.ip, request.headers['user-agent']);
      reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(deps.config, request));
      return reply.code(201).send({ token, user: toPublicUser(user) });
    },
  );

  app.post(
    '/auth/login',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'login',
        tags: ['auth'],
        summary: 'Sign in; rate limited per address, per account from one address, and per account',
        body: Credentials,
        response: { 200: SessionCreated, ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const { token, user } = await auth.login(
        request.body.username,
        request.body.password,
        request.ip,
        request.headers['user-agent'],
      );
      reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(deps.config, request));
      return { token, user: toPublicUser(user) };
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { access: 'account' },
      schema: {
        operationId: 'logout',
        tags: ['auth'],
        summary: 'End the current session',
        response: { 204: NoContent, ...errors(401, 403) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      await auth.logout(user.id, request.auth?.session?.id ?? '');
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/me/password',
    {
      config: { access: 'account' },
      schema: {
        operationId: 'changePassword',
        tags: ['account'],
        summary:
          'Change the password; every other session is signed out. Wrong current passwords are rate limited',
        body: ChangePasswordBody,
        response: { 204: NoContent, ...errors(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      await auth.changePassword(
        user,
        request.auth?.session?.id ?? '',
        request.body.currentPassword,
        request.body.newPassword,
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me/sessions',
    {
      config: { access: 'account' },
      schema: {
        operationId: 'listSessions',
        tags: ['account'],
        summary: 'The sessions signed in to this account',
        response: { 200: Type.Object({ sessions: Type.Array(Session) }), ...errors(401) },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const rows = await auth.listSessions(user.id);
      return {
        sessions: rows.map((row) => ({
          id: row.id,
          current: row.id === request.auth?.session?.id,
          userAgent: row.userAgent,
          createdAt: row.createdAt.toISOString(),
          lastUsedAt: row.lastUsedAt.toISOString(),
          expiresAt: row.expiresAt.toISOString(),
        })),
      };
    },
  );

  app.delete(
    '/me/sessions/:id',
    {
      config: { access: 'account' },
      schema: {
        operationId: 'revokeSession',
        tags: ['account'],
        summary: 'Sign out one session',
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await auth.revokeSession(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
