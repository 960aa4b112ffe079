import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { errors, Uuid } from '../../shared/http.ts';
import { Nullable } from '../../shared/schemas.ts';
import { everyRoutePublic } from '../auth/auth.hooks.ts';
import { createDownloads, FileContent } from '../files/downloads.ts';
import { FolderId, Node, PageQuery, toApiNode } from '../nodes/nodes.schemas.ts';
import { createLinkContent, withinLink } from './link-content.ts';
import { createLinkDownloads } from './link-downloads.ts';
import { grantOf, TokenParams } from './public.routes.ts';

const PublicFolder = Type.Object(
  {
    folder: Node,
    items: Type.Array(Node),
    nextCursor: Nullable(Type.String()),
    path: Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() }), {
      description: 'The folders from the link’s own folder down to this one, both included.',
    }),
  },
  { title: 'PublicFolder' },
);

/** A listing whose JSON is written already, sent as it is (its fields in the schema's order). */
function sendJson(reply: FastifyReply, json: string) {
  return reply.type('application/json; charset=utf-8').send(json);
}

const LINK_ERRORS = errors(400, 401, 404);

/**
 * What a link to a file or a folder hands out: the file, a folder's listing, a file of the tree
 * and zips, each answered as the owner's own routes answer it, counted against `maxDownloads`
 * and logged for the owner. A password-protected link needs its grant on every one of them.
 */
export const publicContentRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (
  app,
  { deps, services },
) => {
  const { shares, shareGrants, files } = services;
  const downloads = createDownloads(files, deps.metrics);
  const content = createLinkContent(deps, services.nodes);
  const counted = createLinkDownloads(deps, shares);
  app.addHook('onRoute', everyRoutePublic);

  const open = (request: FastifyRequest<{ Params: { token: string } }>) =>
    shareGrants.open(request.params.token, grantOf(request));

  app.get(
    '/public/:token/content',
    {
      schema: {
        operationId: 'downloadPublicFile',
        tags: ['public'],
        summary: 'The file a link shares, as its owner’s download answers it (Range, If-Range, ETag)',
        description:
          'Each byte sent counts towards the link’s maxDownloads; fetching every byte once is one download.',
        params: TokenParams,
        response: { ...FileContent, ...LINK_ERRORS },
      },
    },
    async (request, reply) => {
      const link = await open(request);
      const file = await content.file(link, 'root');
      return downloads.sendFile(request, reply, file, counted.of(request, link, file));
    },
  );

  app.get(
    '/public/:token/folders/:id',
    {
      schema: {
        operationId: 'getPublicFolder',
        tags: ['public'],
        summary:
          'A folder of a shared folder’s tree and a page of its children, ordered like the owner’s listing',
        params: Type.Object({
          token: TokenParams.properties.token,
          id: { ...FolderId, description: '`root` is the shared folder.' },
        }),
        querystring: PageQuery,
        response: { 200: PublicFolder, ...LINK_ERRORS },
      },
    },
    async (request, reply) => {
      const link = await open(request);
      const { folder, path, items, nextCursor } = await content.listFolder(
        link,
        request.params.id,
        request.query,
      );
      await shares.record({
        shareId: link.share.id,
        address: request.ip,
        action: 'view',
        nodeId: folder.id,
        name: folder.name,
      });
      // The children as PostgreSQL wrote them (see the owner's listing); their folder is in the tree.
      const json = JSON.stringify(withinLink(link, toApiNode(folder)));
      return sendJson(
        reply,
        `{"folder":${json},"items":[${items}],"nextCursor":${JSON.stringify(nextCursor)},"path":${JSON.stringify(path)}}`,
      );
    },
  );

  app.get(
    '/public/:token/files/:id/content',
    {
      schema: {
        operationId: 'downloadPublicTreeFile',
        tags: ['public'],
        summary: 'A file of a shared folder’s tree, as its owner’s download answers it',
        params: Type.Object({ token: TokenParams.properties.token, id: Uuid }),
        response: { ...FileContent, ...LINK_ERRORS },
      },
    },
    async (request, reply) => {
      const link = await open(request);
      const file = await content.file(link, request.params.id);
      return downloads.sendFile(request, reply, file, counted.of(request, link, file));
    },
  );

  app.get(
    '/public/:token/zip',
    {
      schema: {
        operationId: 'downloadPublicZip',
        tags: ['public'],
        summary: 'The whole shared node, or the given nodes of its tree, as one zip, streamed',
        description: 'A zip counts as one whole download when it starts, whatever it holds.',
        params: TokenParams,
        querystring: Type.Object({
          ids: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 1000 })),
        }),
        response: { 200: Type.Unknown({ description: 'A zip archive' }), ...LINK_ERRORS },
      },
    },
    async (request, reply) => {
      const link = await open(request);
      const { tops, entries } = await content.archive(link, request.query.ids);
      if (request.method !== 'HEAD') {
        await counted.reserveZip(link);
        const [only] = tops.length === 1 ? tops : [];
        await shares.record({
          shareId: link.share.id,
          address: request.ip,
          action: 'zip',
          nodeId: only?.id ?? null,
          name: only?.name ?? null,
        });
      }
      return downloads.sendZip(request, reply, entries, undefined);
    },
  );
};
