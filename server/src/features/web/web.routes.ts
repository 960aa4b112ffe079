import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { everyRoutePublic } from '../auth/auth.hooks.ts';

/**
 * Serves the built web client (web/dist) at `/`, with client-side routes answered by index.html
 * so that a reload on /folders/… works. Nothing is served when the client hasn't been built.
 * Register it in a scope of its own: every route in that scope becomes public. Its security
 * headers are the app's (shared/security-headers.ts).
 */
export async function registerWebClient(app: FastifyInstance, root: string) {
  if (!existsSync(root)) {
    app.log.warn({ root }, 'the web client is not built (npm run build); serving the API only');
    return;
  }
  // The client's files are public: signing in is one of the things they do.
  app.addHook('onRoute', everyRoutePublic);
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: ['index.html'],
    setHeaders(reply, path) {
      // Hashed asset names never change; index.html must be checked every time.
      reply.header(
        'cache-control',
        /[/\\]assets[/\\]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    if (request.url.startsWith('/api/')) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
