import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import type { Services } from '../../services.ts';
import { AppError } from '../../shared/errors.ts';

const UNMATCHED = 'unmatched';

const metricsTokenRequired = () =>
  new AppError(401, 'unauthenticated', 'The metrics need the bearer token the server was configured with.', {
    'www-authenticate': 'Bearer realm="metrics"',
  });

const digest = (text: string) => createHash('sha256').update(text).digest();

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
  // Hashed first so the comparison takes the same time whatever the length given.
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/**
 * Counts every answer by its matched route pattern (never the raw URL: one series per route, not
 * per id) and serves the registry at `GET /metrics` when the configuration turns it on.
 */
export function registerMetrics(
  app: FastifyInstance,
  { config, database, metrics }: Deps,
  services: Services,
) {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    const method = request.method;
    metrics.httpRequests.inc({ route, method, status: `${Math.floor(reply.statusCode / 100)}xx` });
    metrics.httpDuration.observe({ route, method }, reply.elapsedTime / 1000);
  });
  if (!config.metrics.enabled) {
    // Not the web client's page either: a scraper pointed at a server that doesn't serve them is told so.
    app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, (_request, reply) =>
      reply.callNotFound(),
    );
    return;
  }

  metrics.gauge(
    'fileshare_upload_sessions_open',
    'Upload sessions not yet settled, by status (open, completing).',
    ['status'],
    async () =>
      (await services.uploads.countUnsettled()).map(({ status, count }) => ({
        labels: { status },
        value: count,
      })),
  );
  const { poolUse } = database;
  if (poolUse !== undefined) {
    metrics.gauge(
      'fileshare_database_pool_connections',
      'Connections in the PostgreSQL pool, by state (total, idle); waiting: requests queued for one.',
      ['state'],
      () => Object.entries(poolUse()).map(([state, value]) => ({ labels: { state }, value })),
    );
  }

  app.get('/metrics', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const { token } = config.metrics;
    if (token !== undefined && !bearerMatches(request.headers.authorization, token))
      throw metricsTokenRequired();
    const { contentType, text } = await metrics.scrape();
    return reply.type(contentType).send(text);
  });
}
