import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../../deps.ts';
import type { Services } from '../../services.ts';
import type { Actor } from '../access/access.ts';
import type { Downloads } from '../files/downloads.ts';
import type { UserRow } from '../users/users.table.ts';

/** One WebDAV request, with who it is from and the names of the path it is about. */
export interface DavRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  user: UserRow;
  actor: Actor;
  segments: string[];
  deps: Deps;
  services: Services;
  downloads: Downloads;
}

export type DavHandler = (dav: DavRequest) => Promise<unknown>;
