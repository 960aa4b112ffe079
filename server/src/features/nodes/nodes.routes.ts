import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { errors, IdParams, NoContent } from '../../shared/http.ts';
import { Nullable } from '../../shared/schemas.ts';
import { currentActor, currentUser } from '../auth/auth.hooks.ts';
import {
  CreateFolderBody,
  FolderId,
  Node,
  NodePage,
  PageQuery,
  toApiNode,
  UpdateNodeBody,
} from './nodes.schemas.ts';

/**
 * Sends a page whose nodes PostgreSQL wrote as JSON (nodes.repository.ts), as it is: the fields in
 * the response schema's order, which the node-pages tests check against the schema's serialiser.
 */
function sendJson(reply: FastifyReply, json: string) {
  return reply.type('application/json; charset=utf-8').send(json);
}

export const nodesRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { nodes, files } = services;

  app.get(
    '/folders/:id',
    {
      schema: {
        operationId: 'getFolder',
        tags: ['folders'],
        summary: 'A folder and a page of its children: folders first, then by the chosen field',
        params: Type.Object({ id: FolderId }),
        querystring: PageQuery,
        response: {
          200: Type.Object({
            folder: Node,
            children: Type.Array(Node),
            nextCursor: Nullable(Type.String()),
          }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const result = await nodes.listFolder(currentActor(request), request.params.id, request.query);
      const folder = JSON.stringify(toApiNode(result.folder));
      return sendJson(
        reply,
        `{"folder":${folder},"children":[${result.items}],"nextCursor":${JSON.stringify(result.nextCursor)}}`,
      );
    },
  );

  app.post(
    '/folders',
    {
      schema: {
        operationId: 'createFolder',
        tags: ['folders'],
        summary: 'Create a folder',
        body: CreateFolderBody,
        response: { 201: Node, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const folder = await nodes.createFolder(
        currentActor(request),
        request.body.parentId,
        request.body.name,
      );
      return reply.code(201).send(toApiNode(folder));
    },
  );

  app.get(
    '/nodes/:id',
    {
      schema: {
        operationId: 'getNode',
        tags: ['nodes'],
        summary: 'A file or folder',
        params: IdParams,
        response: { 200: Node, ...errors(401, 404) },
      },
    },
    async (request) => toApiNode(await nodes.getNode(currentActor(request), request.params.id)),
  );

  app.patch(
    '/nodes/:id',
    {
      schema: {
        operationId: 'updateNode',
        tags: ['nodes'],
        summary: 'Rename and/or move a file or folder',
        params: IdParams,
        body: UpdateNodeBody,
        response: { 200: Node, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request) => toApiNode(await nodes.update(currentActor(request), request.params.id, request.body)),
  );

  app.delete(
    '/nodes/:id',
    {
      schema: {
        operationId: 'trashNode',
        tags: ['nodes'],
        summary: 'Move a file or folder (with all it holds) to the trash',
        params: IdParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await nodes.trash(currentActor(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/trash',
    {
      schema: {
        operationId: 'listTrash',
        tags: ['trash'],
        summary: 'What is in the trash',
        querystring: PageQuery,
        response: { 200: NodePage, ...errors(400, 401) },
      },
    },
    async (request, reply) => {
      const page = await nodes.listTrash(currentUser(request).id, request.query);
      return sendJson(reply, `{"items":[${page.items}],"nextCursor":${JSON.stringify(page.nextCursor)}}`);
    },
  );

  app.post(
    '/nodes/:id/restore',
    {
      schema: {
        operationId: 'restoreNode',
        tags: ['trash'],
        summary: 'Take a file or folder out of the trash (into the root when its folder is gone)',
        params: IdParams,
        response: { 200: Node, ...errors(401, 403, 404) },
      },
    },
    async (request) => {
      return toApiNode(await nodes.restore(currentUser(request).id, request.params.id));
    },
  );

  app.delete(
    '/trash/:id',
    {
      schema: {
        operationId: 'purgeNode',
        tags: ['trash'],
        summary: 'Delete a trashed file or folder for good, freeing its storage',
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await files.purge(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/trash',
    {
      schema: {
        operationId: 'emptyTrash',
        tags: ['trash'],
        summary: 'Delete everything in the trash for good',
        response: { 204: NoContent, ...errors(401, 403) },
      },
    },
    async (request, reply) => {
      await files.emptyTrash(currentUser(request).id);
      return reply.code(204).send(null);
    },
  );
};
