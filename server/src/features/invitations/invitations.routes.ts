import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';
import { errors, IdParams, NoContent } from '../../shared/http.ts';
import { currentUser } from '../auth/auth.hooks.ts';
import { CreateInvitationBody, Invitation, InvitationCreated } from './invitations.schemas.ts';
import type { InvitationListing } from './invitations.service.ts';

// Invitations stay listed (used or expired) until revoked; the list shows the newest this many.
const LISTED_INVITATIONS = 500;

function toApiInvitation(row: InvitationListing) {
  return {
    id: row.id,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    usedAt: row.usedAt?.toISOString() ?? null,
    usedBy: row.usedByUsername,
  };
}

export const invitationsRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { invitations } = services;

  app.post(
    '/admin/invitations',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'adminCreateInvitation',
        tags: ['admin'],
        summary: 'Make an invitation: a code good for one registration until it expires',
        body: CreateInvitationBody,
        response: { 201: InvitationCreated, ...errors(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { invitation, code } = await invitations.create(
        currentUser(request).id,
        request.body.validDays,
        request.body.note,
      );
      return reply.code(201).send({ invitation: toApiInvitation(invitation), code });
    },
  );

  app.get(
    '/admin/invitations',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'adminListInvitations',
        tags: ['admin'],
        summary: 'The invitations, newest first, used and expired ones included',
        response: {
          200: Type.Object({ invitations: Type.Array(Invitation) }),
          ...errors(401, 403),
        },
      },
    },
    async () => ({ invitations: (await invitations.list(LISTED_INVITATIONS)).map(toApiInvitation) }),
  );

  app.delete(
    '/admin/invitations/:id',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'adminRevokeInvitation',
        tags: ['admin'],
        summary: 'Revoke an invitation (its code stops working) or remove a used one from the list',
        params: IdParams,
        response: { 204: NoContent, ...errors(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await invitations.revoke(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
