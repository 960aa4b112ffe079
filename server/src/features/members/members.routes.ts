import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { errors, IdParams, NoContent } from '../../shared/http.ts';
import { currentActor, currentUser } from '../auth/auth.hooks.ts';
import { toApiNode } from '../nodes/nodes.schemas.ts';
import {
  AddMemberBody,
  ChangeRoleBody,
  Member,
  MemberParams,
  SharedItem,
  toApiMember,
} from './members.schemas.ts';

export const membersRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { members } = services;

  app.post(
    '/nodes/:id/members',
    {
      schema: {
        operationId: 'addMember',
        tags: ['members'],
        summary: 'Share a folder or file with another user, as viewer or editor',
        params: IdParams,
        body: AddMemberBody,
        response: { 201: Member, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const member = await members.add(currentActor(request), request.params.id, request.body);
      return reply.code(201).send(toApiMember(member));
    },
  );

  app.get(
    '/nodes/:id/members',
    {
      schema: {
        operationId: 'listMembers',
        tags: ['members'],
        summary: 'Who a folder or file is shared with (for its owner and its members)',
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Member) }), ...errors(401, 404) },
      },
    },
    async (request) => ({
      items: (await members.list(currentActor(request), request.params.id)).map(toApiMember),
    }),
  );

  app.patch(
    '/nodes/:id/members/:userId',
    {
      schema: {
        operationId: 'changeMemberRole',
        tags: ['members'],
        summary: 'Change what a member may do',
        params: MemberParams,
        body: ChangeRoleBody,
        response: { 200: Member, ...errors(400, 401, 403, 404) },
      },
    },
    async (request) =>
      toApiMember(
        await members.changeRole(
          currentActor(request),
          request.params.id,
          request.params.userId,
          request.body.role,
        ),
      ),
  );

  app.delete(
    '/nodes/:id/members/:userId',
    {
      schema: {
        operationId: 'removeMember',
        tags: ['members'],
        summary: 'Stop sharing with a member (the owner), or leave (the member)',
        params: MemberParams,
        response: { 204: NoContent, ...errors(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await members.remove(currentActor(request), request.params.id, request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/shared',
    {
      schema: {
        operationId: 'listShared',
        tags: ['members'],
        summary: 'What other users shared with me, newest first (what is in their trash left out)',
        response: { 200: Type.Object({ items: Type.Array(SharedItem) }), ...errors(401) },
      },
    },
    async (request) => ({
      items: (await members.sharedWith(currentUser(request).id)).map((item) => ({
        node: toApiNode(item.node),
        owner: item.owner,
        role: item.role,
      })),
    }),
  );
};
