import type { FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from '../../services.ts';
import { takeRawBodies } from '../../shared/http.ts';
import { userActor } from '../access/access.ts';
import { createDownloads } from '../files/downloads.ts';
import { davUser } from './dav.auth.ts';
import type { DavHandler } from './dav.context.ts';
import { copy, move } from './dav.copymove.ts';
import { lock, unlock } from './dav.lock.ts';
import { requestSegments } from './dav.paths.ts';
import { download, propfind } from './dav.read.ts';
import { mkcol, proppatch, put, remove } from './dav.write.ts';

/** The methods WebDAV adds to HTTP that Fastify doesn't route by default (with whether they carry a body). */
const DAV_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'] as const;

const ALLOW = ['OPTIONS', 'GET', 'HEAD', 'PUT', 'DELETE', ...DAV_METHODS].join(', ');

const options: DavHandler = async ({ reply }) =>
  reply
    .code(200)
    .headers({ dav: '1, 2', allow: ALLOW, 'ms-author-via': 'DAV', 'accept-ranges': 'bytes' })
    .send();

const HANDLERS: Record<string, DavHandler> = {
  OPTIONS: options,
  PROPFIND: propfind,
  PROPPATCH: proppatch,
  MKCOL: mkcol,
  GET: download,
  HEAD: download,
  PUT: put,
  DELETE: remove,
  COPY: copy,
  MOVE: move,
  LOCK: lock,
  UNLOCK: unlock,
};

/**
 * WebDAV at /dav/: the user's own tree from its root, every method through the nodes and files
 * services as the API uses them. Bodies are taken raw (a PUT's is the file); the routes
 * authenticate themselves (HTTP Basic, dav.auth.ts) and are left out of the OpenAPI document.
 */
export const davRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps, services }) => {
  for (const method of DAV_METHODS) {
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
  }
  takeRawBodies(app);
  const downloads = createDownloads(services.files, deps.metrics);
  for (const url of ['/', '/*']) {
    app.route({
      method: Object.keys(HANDLERS),
      url,
      exposeHeadRoute: false,
      config: { access: 'public' },
      schema: { hide: true },
      handler: async (request, reply) => {
        const handler = HANDLERS[request.method];
        if (handler === undefined) return reply.code(405).header('allow', ALLOW).send();
        const user = await davUser(request, services.appPasswords);
        const segments = requestSegments(request.raw.url ?? '');
        return handler({
          request,
          reply,
          user,
          actor: userActor(user.id),
          segments,
          deps,
          services,
          downloads,
        });
      },
    });
  }
};
