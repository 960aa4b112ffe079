import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { decodeCursor, encodeCursor } from '../../shared/cursors.ts';
import { errors, IdParams, NoContent } from '../../shared/http.ts';
import { isUuid } from '../../shared/ids.ts';
import { Nullable, StringEnum } from '../../shared/schemas.ts';
import { currentUser } from '../auth/auth.hooks.ts';
import { Node, toApiNode } from '../nodes/nodes.schemas.ts';
import type { Found } from './search.service.ts';
import { FILE_TYPES } from './search.types.ts';

const Location = Type.Object({
  ownerId: Nullable(
    Type.String({ format: 'uuid', description: 'Null for my own; the owner of a node shared with me.' }),
  ),
  path: Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() }), {
    description: 'The folders from my root (or from the node shared with me) down to the node’s folder.',
  }),
});

const FoundPage = Type.Object({
  items: Type.Array(Type.Object({ node: Node, location: Location }), { title: 'Found' }),
  nextCursor: Nullable(Type.String()),
});

const PageQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
};

/** A page's cursor: [rank,] modification time, id of the last item. */
function decode(cursor: string | undefined, withRank: boolean) {
  if (cursor === undefined) return undefined;
  return decodeCursor(cursor, (values) => {
    const [rank, time, id] = withRank ? values : [0, ...values];
    if (
      values.length === (withRank ? 3 : 2) &&
      typeof rank === 'number' &&
      Number.isInteger(rank) &&
      typeof time === 'string' &&
      !Number.isNaN(Date.parse(time)) &&
      typeof id === 'string' &&
      isUuid(id)
    )
      return { rank, updatedAt: new Date(time), id };
    return undefined;
  });
}

const toApiFound = ({ node, location }: Found) => ({ node: toApiNode(node), location });

export const searchRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { search } = services;

  app.get(
    '/search',
    {
      schema: {
        operationId: 'search',
        tags: ['search'],
        summary: 'Files and folders whose name holds every word, ignoring case and accents',
        description:
          'Across my tree and what is shared with me, never the trash. Ranked: the exact name, then names ' +
          'starting with the query, then the rest; the most recently changed first within each.',
        querystring: Type.Object({
          q: Type.String({ minLength: 1, maxLength: 500 }),
          kind: Type.Optional(StringEnum(['file', 'folder'])),
          type: Type.Optional(
            StringEnum([...FILE_TYPES], { description: 'Files of this kind, by content type.' }),
          ),
          modifiedAfter: Type.Optional(Type.String({ format: 'date-time' })),
          minSize: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
          ...PageQuery,
        }),
        response: { 200: FoundPage, ...errors(400, 401) },
      },
    },
    async (request) => {
      const { q, kind, type, modifiedAfter, minSize, cursor, limit } = request.query;
      const filters = {
        kind,
        type,
        modifiedAfter: modifiedAfter === undefined ? undefined : new Date(modifiedAfter),
        minSize,
      };
      const page = await search.search(currentUser(request).id, q, filters, decode(cursor, true), limit);
      return {
        items: page.items.map(toApiFound),
        nextCursor:
          page.next === undefined
            ? null
            : encodeCursor([page.next.rank, page.next.updatedAt.toISOString(), page.next.id]),
      };
    },
  );

  for (const [path, operationId, summary, read] of [
    ['/recent', 'listRecent', 'My files, the most recently added or changed first', search.recent],
    ['/starred', 'listStarred', 'What I starred, the most recently starred first', search.starred],
  ] as const) {
    app.get(
      path,
      {
        schema: {
          operationId,
          tags: ['search'],
          summary,
          querystring: Type.Object(PageQuery),
          response: { 200: FoundPage, ...errors(400, 401) },
        },
      },
      async (request) => {
        const { cursor, limit } = request.query;
        const page = await read(currentUser(request).id, decode(cursor, false), limit);
        return {
          items: page.items.map(toApiFound),
          nextCursor:
            page.next === undefined ? null : encodeCursor([page.next.updatedAt.toISOString(), page.next.id]),
        };
      },
    );
  }

  app.put(
    '/nodes/:id/star',
    {
      schema: {
        operationId: 'starNode',
        tags: ['search'],
        summary: 'Star a file or folder (mine or shared with me)',
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      await search.star(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/nodes/:id/star',
    {
      schema: {
        operationId: 'unstarNode',
        tags: ['search'],
        summary: 'Unstar a file or folder',
        params: IdParams,
        response: { 204: NoContent, ...errors(401) },
      },
    },
    async (request, reply) => {
      await search.unstar(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
