import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import {
  bodyOptional,
  closeIfBodyUnread,
  declaredLength,
  errors,
  NoContent,
  siteOrigin,
  takeRawBodies,
} from '../../shared/http.ts';
import { fileBody } from '../files/file-bodies.ts';
import { NodeName } from '../nodes/nodes.schemas.ts';
import { partChecksums } from '../uploads/part-checksums.ts';
import {
  COMPLETE_UPLOAD_DESCRIPTION,
  CompleteUploadBody,
  PartParams,
  UploadParams,
} from '../uploads/uploads.schemas.ts';
import { CreateDropUploadBody, DroppedFile, DropUploadSession } from './drop.schemas.ts';
import { grantOf, TokenParams } from './public.routes.ts';

/** What anyone holding a drop link does with it: add files to its folder, whole or in parts. */
export const dropRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { deps, services }) => {
  const { drops, shareGrants } = services;
  const link = (request: FastifyRequest<{ Params: { token: string } }>) =>
    shareGrants.open(request.params.token, grantOf(request));
  // Where the link's sessions are reached, for the part URLs that point back at the API.
  const uploadsUrl = (request: FastifyRequest<{ Params: { token: string } }>) =>
    `${siteOrigin(request, deps.config.publicUrl)}/api/v1/public/${encodeURIComponent(request.params.token)}/uploads`;
  const SessionParams = Type.Object({ ...TokenParams.properties, ...UploadParams.properties });

  app.post(
    '/public/:token/uploads',
    {
      schema: {
        operationId: 'startDropUpload',
        tags: ['public'],
        summary: 'Start a resumable upload into a drop: answers the parts to send',
        params: TokenParams,
        body: CreateDropUploadBody,
        response: { 201: DropUploadSession, ...errors(400, 401, 404, 413, 507) },
      },
    },
    async (request, reply) => {
      const session = await drops.startUpload(await link(request), request.body, uploadsUrl(request));
      return reply.code(201).send(session);
    },
  );

  app.get(
    '/public/:token/uploads/:id',
    {
      schema: {
        operationId: 'getDropUpload',
        tags: ['public'],
        summary: 'A drop upload with fresh part URLs and the parts that have arrived, to resume it',
        params: SessionParams,
        response: { 200: DropUploadSession, ...errors(401, 404, 410) },
      },
    },
    async (request) => drops.getUpload(await link(request), request.params.id, uploadsUrl(request)),
  );

  app.post(
    '/public/:token/uploads/:id/complete',
    {
      schema: {
        operationId: 'completeDropUpload',
        tags: ['public'],
        summary: 'Join the parts and store the file in the drop; answers the name it was stored under',
        description: COMPLETE_UPLOAD_DESCRIPTION,
        params: SessionParams,
        body: CompleteUploadBody,
        response: { 200: DroppedFile, 201: DroppedFile, ...errors(400, 401, 404, 409, 410, 422, 503) },
      },
      preValidation: bodyOptional,
    },
    async (request, reply) => {
      const result = await drops.completeUpload(await link(request), request.params.id, request.ip, {
        sha256: request.body.sha256,
      });
      return reply.code(result.created ? 201 : 200).send({ name: result.name, size: result.size });
    },
  );

  app.delete(
    '/public/:token/uploads/:id',
    {
      schema: {
        operationId: 'abortDropUpload',
        tags: ['public'],
        summary: 'Abort a drop upload: its parts are deleted',
        params: SessionParams,
        response: { 204: NoContent, ...errors(401, 404, 409) },
      },
    },
    async (request, reply) => {
      await drops.abortUpload(await link(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  await app.register(async (plugin) => {
    // The bodies are the file's or the part's bytes, streamed to the store.
    takeRawBodies(plugin);
    const typed = plugin.withTypeProvider<TypeBoxTypeProvider>();

    typed.put(
      '/public/:token/files/:name',
      {
        schema: {
          operationId: 'dropFile',
          tags: ['public'],
          summary:
            'Drop a file: the request body is the file, stored under "name (2)" when the name is taken',
          description:
            'Send the bytes as the body with Content-Length (or chunked); optionally X-Content-SHA256 (hex) or ' +
            'Content-Digest: sha-256=:…:. Answers the name it was stored under and nothing about the folder.',
          params: Type.Object({ ...TokenParams.properties, name: NodeName }),
          consumes: ['application/octet-stream'],
          body: Type.Unknown({ description: 'The file’s bytes' }),
          response: { 201: DroppedFile, ...errors(400, 401, 404, 413, 507) },
        },
      },
      async (request, reply) => {
        closeIfBodyUnread(request, reply);
        const body = fileBody(request);
        const file = await drops.dropFile(
          await link(request),
          { name: request.params.name, ...body },
          request.ip,
        );
        return reply.code(201).send(file);
      },
    );

    typed.put(
      '/public/:token/uploads/:id/parts/:number',
      {
        schema: {
          operationId: 'uploadDropPart',
          tags: ['public'],
          summary: 'Send one part of a drop upload (when its part URLs point at the API)',
          description:
            'Optionally with Content-MD5 or x-amz-checksum-sha256 (base64); a part that does not match is refused.',
          params: Type.Object({ ...TokenParams.properties, ...PartParams.properties }),
          consumes: ['application/octet-stream'],
          body: Type.Unknown({ description: 'The part’s bytes' }),
          response: {
            200: Type.Object({ number: Type.Integer(), size: Type.Integer(), etag: Type.String() }),
            ...errors(400, 401, 404, 409, 410, 507),
          },
        },
      },
      async (request, reply) => {
        closeIfBodyUnread(request, reply);
        // Refused before the body is read when its length can't be counted.
        declaredLength(request);
        const part = await drops.putPart(
          await link(request),
          request.params.id,
          request.params.number,
          request.raw,
          partChecksums(request),
        );
        return reply.header('etag', `"${part.etag}"`).send(part);
      },
    );
  });
};
