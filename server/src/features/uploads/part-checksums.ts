import type { FastifyRequest } from 'fastify';
import { badRequest } from '../../shared/errors.ts';

/** A part's checksums as the client sent them: Content-MD5 and x-amz-checksum-sha256, both base64. */
export function partChecksums(request: FastifyRequest): { md5?: string; sha256?: string } {
  const md5 = request.headers['content-md5'];
  const sha256 = request.headers['x-amz-checksum-sha256'];
  if (md5 !== undefined && (typeof md5 !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(md5))) {
    throw badRequest('invalid_checksum', 'Content-MD5 must be the base64 MD5 of the part.');
  }
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !/^[A-Za-z0-9+/]{43}=$/.test(sha256))) {
    throw badRequest('invalid_checksum', 'x-amz-checksum-sha256 must be the base64 SHA-256 of the part.');
  }
  return { md5, sha256 };
}
