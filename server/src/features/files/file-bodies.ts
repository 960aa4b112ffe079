import type { FastifyRequest } from 'fastify';
import { declaredLength } from '../../shared/http.ts';
import { invalidChecksum } from './files.errors.ts';
import type { SimpleUpload } from './files.service.ts';

/** The SHA-256 a client declared, as X-Content-SHA256 (hex) or Content-Digest (RFC 9530, base64). */
function declaredSha256(request: FastifyRequest): string | undefined {
  const hex = request.headers['x-content-sha256'];
  if (typeof hex === 'string') {
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw invalidChecksum();
    return hex.toLowerCase();
  }
  const digest = request.headers['content-digest'];
  if (typeof digest === 'string') {
    const match = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/]{43}=):/.exec(digest);
    if (match?.[1] === undefined) throw invalidChecksum();
    return Buffer.from(match[1], 'base64').toString('hex');
  }
  return undefined;
}

export type FileBody = Pick<
  SimpleUpload,
  'body' | 'declaredSize' | 'declaredSha256' | 'contentType' | 'clientConnected'
>;

/**
 * A request whose body is a file, as an upload takes it: the raw stream, the size and SHA-256 it
 * declared (refused before the body is read when they don't parse), and whether the client is still there.
 */
export function fileBody(request: FastifyRequest): FileBody {
  return {
    body: request.raw,
    declaredSize: declaredLength(request),
    declaredSha256: declaredSha256(request),
    contentType: request.headers['content-type'],
    clientConnected: () => !request.raw.socket.destroyed,
  };
}
