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
import { currentActor, currentUser } from '../auth/auth.hooks.ts';
import { Node, toApiNode } from '../nodes/nodes.schemas.ts';
import { partChecksums } from './part-checksums.ts';
import {
  COMPLETE_UPLOAD_DESCRIPTION,
  CompleteUploadBody,
  CreateUploadBody,
  PartParams,
  UploadParams,
  UploadSession,
} from './uploads.schemas.ts';

export const uploadsRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { deps, services }) => {
  const { uploads } = services;
  // Where these routes are reached, for the part URLs that point back at them.
  const uploadsUrl = (request: FastifyRequest) =>
    `${siteOrigin(request, deps.config.publicUrl)}/api/v1/uploads`;

  app.post(
    '/uploads',
    {
      schema: {
        operationId: 'createUpload',
        tags: ['uploads'],
        summary: 'Start a resumable upload: reserves the quota and answers the parts to send',
        body: CreateUploadBody,
        response: { 201: UploadSession, ...errors(400, 401, 403, 404, 409, 413, 429) },
      },
    },
    async (request, reply) => {
      const session = await uploads.create(currentActor(request), request.body, uploadsUrl(request));
      return reply.code(201).send(session);
    },
  );

  app.get(
    '/uploads',
    {
      schema: {
        operationId: 'listUploads',
        tags: ['uploads'],
        summary: 'Uploads started and not finished, to resume them',
        response: {
          200: Type.Object({ uploads: Type.Array(Type.Omit(UploadSession, ['parts', 'uploadedParts'])) }),
          ...errors(401),
        },
      },
    },
    async (request) => ({
      uploads: (await uploads.listOpen(currentUser(request).id)).map((session) => uploads.describe(session)),
    }),
  );

  app.get(
    '/uploads/:id',
    {
      schema: {
        operationId: 'getUpload',
        tags: ['uploads'],
        summary: 'An upload with fresh part URLs and the parts that have arrived, to resume it',
        params: UploadParams,
        response: { 200: UploadSession, ...errors(401, 404, 410) },
      },
    },
    async (request) => uploads.get(currentActor(request), request.params.id, uploadsUrl(request)),
  );

  app.post(
    '/uploads/:id/complete',
    {
      schema: {
        operationId: 'completeUpload',
        tags: ['uploads'],
        summary: 'Join the parts and record the file; answers the file',
        description: COMPLETE_UPLOAD_DESCRIPTION,
        params: UploadParams,
        body: CompleteUploadBody,
        response: { 200: Node, 201: Node, ...errors(400, 401, 403, 404, 409, 410, 413, 422, 503) },
      },
      preValidation: bodyOptional,
    },
    async (request, reply) => {
      const result = await uploads.complete(currentActor(request), request.params.id, {
        sha256: request.body.sha256,
      });
      return reply.code(result.created ? 201 : 200).send(toApiNode(result.node));
    },
  );

  app.delete(
    '/uploads/:id',
    {
      schema: {
        operationId: 'abortUpload',
        tags: ['uploads'],
        summary: 'Abort an upload: its parts are deleted and its quota released',
        params: UploadParams,
        response: { 204: NoContent, ...errors(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await uploads.abort(currentActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  await app.register(async (plugin) => {
    // A part's body is the raw bytes, streamed to the store.
    takeRawBodies(plugin);
    plugin.withTypeProvider<TypeBoxTypeProvider>().put(
      '/uploads/:id/parts/:number',
      {
        schema: {
          operationId: 'uploadPart',
          tags: ['uploads'],
          summary:
            'Send one part (when the upload’s part URLs point at the API); sending it again replaces it',
          description:
            'Optionally with Content-MD5 or x-amz-checksum-sha256 (base64); a part that does not match is refused.',
          params: PartParams,
          consumes: ['application/octet-stream'],
          body: Type.Unknown({ description: 'The part’s bytes' }),
          response: {
            200: Type.Object({ number: Type.Integer(), size: Type.Integer(), etag: Type.String() }),
            ...errors(400, 401, 403, 404, 409, 410, 507),
          },
        },
      },
      async (request, reply) => {
        closeIfBodyUnread(request, reply);
        // Refused before the body is read when its length can't be counted.
        declaredLength(request);
        const part = await uploads.putPart(
          currentActor(request),
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
