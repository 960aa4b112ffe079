import os from 'node:os';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteOptions } from '../../services.ts';

/** `host:pid` of this process, so a client behind a load balancer can tell instances apart. */
export const INSTANCE = `${os.hostname()}:${process.pid}`;

const CheckResult = Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]);

export const systemRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { deps }) => {
  app.get(
    '/health',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'health',
        tags: ['system'],
        summary: 'Liveness: this process is up',
        response: { 200: Type.Object({ status: Type.Literal('ok'), instance: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' as const, instance: INSTANCE }),
  );

  const ReadyBody = Type.Object({
    status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
    instance: Type.String(),
    checks: Type.Object({ database: CheckResult, cache: CheckResult, blobs: CheckResult }),
  });

  app.get(
    '/ready',
    {
      config: { access: 'public' },
      schema: {
        operationId: 'ready',
        tags: ['system'],
        summary: 'Readiness: the database, the cache and the blob store answer',
        response: { 200: ReadyBody, 503: ReadyBody },
      },
    },
    async (request, reply) => {
      const probe = (check: () => Promise<void>) =>
        check().then(
          () => 'ok' as const,
          (error: unknown) => {
            request.log.warn({ err: error }, 'readiness check failed');
            return 'unavailable' as const;
          },
        );
      const [database, cache, blobs] = await Promise.all([
        probe(() => deps.database.check()),
        probe(() => deps.cache.check()),
        probe(() => deps.blobs.check()),
      ]);
      const ok = database === 'ok' && cache === 'ok' && blobs === 'ok';
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ok' : 'unavailable', instance: INSTANCE, checks: { database, cache, blobs } });
    },
  );

  app.get(
    '/openapi.json',
    {
      config: { access: 'public' },
      schema: { operationId: 'openapi', tags: ['system'], summary: 'This document', hide: false },
    },
    async () => app.swagger(),
  );
};
