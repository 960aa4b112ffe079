import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { closeIfBodyUnread, errors, IdParams, takeRawBodies } from '../../shared/http.ts';
import { currentActor } from '../auth/auth.hooks.ts';
import { FolderId, Node, NodeName, toApiNode } from '../nodes/nodes.schemas.ts';
import { createDownloads, FileContent } from './downloads.ts';
import { fileBody } from './file-bodies.ts';

export const filesRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { deps, services }) => {
  const { files, nodes } = services;
  const downloads = createDownloads(files, deps.metrics);

  // The upload body is the file: it is not parsed but handed to the route as the raw stream.
  takeRawBodies(app);

  app.put(
    '/folders/:id/files/:name',
    {
      schema: {
        operationId: 'uploadFile',
        tags: ['files'],
        summary: 'Upload a file: the request body is the file, streamed',
        description:
          'Send the bytes as the body with Content-Length (or chunked). Optionally X-Content-SHA256 (hex) or ' +
          'Content-Digest: sha-256=:…: to have them verified. Nothing is stored unless the whole body arrives intact.',
        params: Type.Object({ id: FolderId, name: NodeName }),
        querystring: Type.Object({
          onConflict: Type.Union([Type.Literal('fail'), Type.Literal('rename'), Type.Literal('replace')], {
            default: 'fail',
            description:
              'When the name is taken: 409 (fail), store as "name (2)" (rename), or replace the file.',
          }),
        }),
        consumes: ['application/octet-stream'],
        body: Type.Unknown({ description: 'The file’s bytes' }),
        response: { 200: Node, 201: Node, ...errors(400, 401, 403, 404, 409, 413, 507) },
      },
    },
    async (request, reply) => {
      closeIfBodyUnread(request, reply);
      const result = await files.upload({
        actor: currentActor(request),
        folderId: request.params.id,
        name: request.params.name,
        onConflict: request.query.onConflict,
        ...fileBody(request),
      });
      return reply.code(result.created ? 201 : 200).send(toApiNode(result.node));
    },
  );

  app.get(
    '/files/:id',
    {
      schema: {
        operationId: 'getFile',
        tags: ['files'],
        summary: 'A file’s metadata',
        params: IdParams,
        response: { 200: Node, ...errors(401, 404) },
      },
    },
    async (request) => toApiNode(await nodes.getFile(currentActor(request), request.params.id)),
  );

  app.get(
    '/files/:id/content',
    {
      schema: {
        operationId: 'downloadFile',
        tags: ['files'],
        summary: 'Download a file: streamed, with Range, If-Range, ETag and If-None-Match',
        params: IdParams,
        response: { ...FileContent, ...errors(401, 404) },
      },
    },
    async (request, reply) => {
      const file = await nodes.getFile(currentActor(request), request.params.id);
      return downloads.sendFile(request, reply, file);
    },
  );

  app.get(
    '/zip',
    {
      schema: {
        operationId: 'downloadZip',
        tags: ['files'],
        summary: 'Download files and folders (with everything in them) as one zip, streamed',
        querystring: Type.Object({
          ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 1000 }),
          name: Type.Optional(
            Type.String({ minLength: 1, maxLength: 200, description: 'The zip’s file name, without .zip' }),
          ),
        }),
        response: { 200: Type.Unknown({ description: 'A zip archive' }), ...errors(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const entries = await nodes.archiveEntries(currentActor(request), request.query.ids);
      return downloads.sendZip(request, reply, entries, request.query.name);
    },
  );
};
