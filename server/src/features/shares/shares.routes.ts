import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { decodeCursor, encodeCursor } from '../../shared/cursors.ts';
import { errors, IdParams, NoContent, siteOrigin } from '../../shared/http.ts';
import { Nullable } from '../../shared/schemas.ts';
import { currentUser } from '../auth/auth.hooks.ts';
import {
  CreateShareBody,
  Share,
  ShareCreated,
  ShareEvent,
  toApiShare,
  toApiShareEvent,
  UpdateShareBody,
} from './shares.schemas.ts';
import { type LinkSettings, statusOf } from './shares.service.ts';

const date = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : new Date(value);

function settingsOf(body: {
  password?: string | null;
  expiresAt?: string | null;
  maxDownloads?: number | null;
  maxFileBytes?: number | null;
  maxFiles?: number | null;
}): LinkSettings {
  return { ...body, expiresAt: date(body.expiresAt) };
}

/** An access log cursor: the number of the last event of the previous page. */
const decodeEventCursor = (cursor: string) =>
  decodeCursor(cursor, ([seq, ...rest]) =>
    Number.isSafeInteger(seq) && (seq as number) > 0 && rest.length === 0 ? (seq as number) : undefined,
  );

export const sharesRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { deps, services }) => {
  const { shares, drops } = services;
  const { clock } = deps;

  app.post(
    '/shares',
    {
      schema: {
        operationId: 'createShare',
        tags: ['shares'],
        summary: 'Make a link to a file or folder, or a file drop into a folder',
        body: CreateShareBody,
        response: { 201: ShareCreated, ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const { nodeId, kind, ...rest } = request.body;
      const { share, token } = await shares.create(currentUser(request).id, nodeId, kind, settingsOf(rest));
      const url = `${siteOrigin(request, deps.config.publicUrl)}/s/${token}`;
      return reply.code(201).send({ ...toApiShare(share, statusOf(share, clock.now())), token, url });
    },
  );

  app.get(
    '/shares',
    {
      schema: {
        operationId: 'listShares',
        tags: ['shares'],
        summary: 'My links and drops, newest first (of one node with nodeId)',
        querystring: Type.Object({ nodeId: Type.Optional(Type.String({ format: 'uuid' })) }),
        response: { 200: Type.Object({ items: Type.Array(Share) }), ...errors(400, 401) },
      },
    },
    async (request) => {
      const items = await shares.list(currentUser(request).id, request.query.nodeId);
      const now = clock.now();
      return { items: items.map((share) => toApiShare(share, statusOf(share, now))) };
    },
  );

  app.get(
    '/shares/:id',
    {
      schema: {
        operationId: 'getShare',
        tags: ['shares'],
        summary: 'One of my links',
        params: IdParams,
        response: { 200: Share, ...errors(401, 404) },
      },
    },
    async (request) => {
      const share = await shares.get(currentUser(request).id, request.params.id);
      return toApiShare(share, statusOf(share, clock.now()));
    },
  );

  app.patch(
    '/shares/:id',
    {
      schema: {
        operationId: 'updateShare',
        tags: ['shares'],
        summary: 'Change a link’s password, expiry or limits (null removes one)',
        description: 'A new password, or none, ends every grant handed out under the old one.',
        params: IdParams,
        body: UpdateShareBody,
        response: { 200: Share, ...errors(400, 401, 404) },
      },
    },
    async (request) => {
      const share = await shares.update(currentUser(request).id, request.params.id, settingsOf(request.body));
      return toApiShare(share, statusOf(share, clock.now()));
    },
  );

  app.delete(
    '/shares/:id',
    {
      schema: {
        operationId: 'revokeShare',
        tags: ['shares'],
        summary: 'Revoke a link: it is dead from the next request on, its log gone with it',
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      await drops.revoke(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/shares/:id/events',
    {
      schema: {
        operationId: 'listShareEvents',
        tags: ['shares'],
        summary: 'A link’s access log, newest first: who fetched or dropped what, and when',
        params: IdParams,
        querystring: Type.Object({
          cursor: Type.Optional(Type.String({ maxLength: 256 })),
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        }),
        response: {
          200: Type.Object({ items: Type.Array(ShareEvent), nextCursor: Nullable(Type.String()) }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      const after = cursor === undefined ? undefined : decodeEventCursor(cursor);
      const events = await shares.events(currentUser(request).id, request.params.id, after, limit + 1);
      const items = events.slice(0, limit);
      const last = items.at(-1);
      return {
        items: items.map(toApiShareEvent),
        nextCursor: events.length > limit && last !== undefined ? encodeCursor([last.seq]) : null,
      };
    },
  );
};
