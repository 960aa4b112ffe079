import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { badRequest, ErrorBody } from './errors.ts';

/** The error responses a route can give, for its OpenAPI description. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody]));
}

export const NoContent = Type.Null({ description: 'No content' });
export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });

/**
 * The body length the request declared, if it did. Past 2^53 − 1 a JavaScript number can't tell
 * one byte count from the next, so such a length is refused before any of the body is read.
 */
export function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  const length = Number(header);
  if (!Number.isSafeInteger(length))
    throw badRequest(
      'invalid_request',
      `Content-Length must be a whole number of bytes no larger than ${Number.MAX_SAFE_INTEGER}.`,
    );
  return length;
}

/**
 * For a route whose JSON body is optional: a request without one is validated as `{}`, since a
 * body schema refuses an absent body.
 */
export async function bodyOptional(request: FastifyRequest) {
  if (request.body === undefined || request.body === null) request.body = {};
}

/** The origin this site is reached at: `PUBLIC_URL`'s when set, else the request's own. */
export function siteOrigin(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl !== undefined ? new URL(publicUrl).origin : `${request.protocol}://${request.host}`;
}

/** Hands every request body of the scope to its route as the raw stream, unparsed (a file, a part). */
export function takeRawBodies(app: FastifyInstance) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
}

/** Answered before the whole body was read: close the connection rather than leave the rest unread on it. */
export function closeIfBodyUnread(request: FastifyRequest, reply: FastifyReply) {
  const { socket } = request.raw;
  reply.raw.once('finish', () => {
    if (!request.raw.complete) socket.destroySoon();
  });
}
