import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { AjvCompiler, type Options } from '@fastify/ajv-compiler';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type { Deps } from './deps.ts';
import { adminRoutes } from './features/admin/admin.routes.ts';
import { appPasswordsRoutes } from './features/auth/app-passwords.routes.ts';
import { everyRoutePublic, registerAuthentication } from './features/auth/auth.hooks.ts';
import { authRoutes } from './features/auth/auth.routes.ts';
import { backupRoutes } from './features/backup/backup.routes.ts';
import { davRoutes } from './features/dav/dav.routes.ts';
import { filesRoutes } from './features/files/files.routes.ts';
import { createGarbageCollector } from './features/gc/garbage-collector.ts';
import { invitationsRoutes } from './features/invitations/invitations.routes.ts';
import { membersRoutes } from './features/members/members.routes.ts';
import { nodesRoutes } from './features/nodes/nodes.routes.ts';
import { searchRoutes } from './features/search/search.routes.ts';
import { publicRoutes } from './features/shares/public.routes.ts';
import { publicContentRoutes } from './features/shares/public-content.routes.ts';
import { sharesRoutes } from './features/shares/shares.routes.ts';
import { systemRoutes } from './features/system/system.routes.ts';
import { uploadsRoutes } from './features/uploads/uploads.routes.ts';
import { usersRoutes } from './features/users/users.routes.ts';
import { registerWebClient } from './features/web/web.routes.ts';
import { isStoreUnavailable } from './platform/blobs/blob-store.ts';
import { countedCache } from './platform/cache/counted.cache.ts';
import { isDatabaseUnavailable } from './platform/database/database.ts';
import { registerMetrics } from './platform/metrics/metrics.routes.ts';
import { lazySerializers, lazyValidators } from './route-compilers.ts';
import { createServices, type RouteOptions } from './services.ts';
import { AppError } from './shared/errors.ts';
import { bodyOptional } from './shared/http.ts';
import { DOCUMENTATION_CSP, SECURITY_HEADERS } from './shared/security-headers.ts';

export const API_PREFIX = '/api/v1';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
// How long shutdown waits for requests still being worked on before it closes the backing services
// anyway; well inside the 10 s a supervisor (docker stop, npm run cluster) gives before SIGKILL.
const SHUTDOWN_GRACE_MS = 5_000;

/** As much of an OpenAPI document as marking a request body optional needs. */
interface OpenApiDocument {
  paths?: Record<string, Record<string, { operationId?: string; requestBody?: { required?: boolean } }>>;
}

function sendError(
  reply: import('fastify').FastifyReply,
  status: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
) {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ error: details === undefined ? { code, message } : { code, message, details } });
}

/**
 * The requests the server is still working on: from their first hook until their handler has
 * settled or their answer is being sent. Closing the server waits only for open connections, and a
 * client that hangs up closes its connection while the handler may still be awaiting the database.
 */
function trackRequestsInFlight(app: FastifyInstance) {
  const working = new Set<FastifyRequest>();
  let wake: (() => void) | undefined;
  const finish = (request: FastifyRequest) => {
    if (working.delete(request) && working.size === 0) wake?.();
  };
  app.addHook('onRequest', (request, _reply, done) => {
    working.add(request);
    done();
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    finish(request);
    done(null, payload);
  });
  // A handler whose client went away settles without sending anything, so it is watched itself.
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function (request, reply) {
      const result: unknown = handler.call(this, request, reply);
      if (result instanceof Promise) {
        const done = () => finish(request);
        result.then(done, done);
      }
      return result;
    };
  });
  /** Resolves with the number of requests still running once none are, or after `timeoutMs`. */
  return function settled(timeoutMs: number): Promise<number> {
    if (working.size === 0) return Promise.resolve(0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(working.size), timeoutMs);
      wake = () => {
        clearTimeout(timer);
        resolve(0);
      };
    });
  };
}

const buildAjvValidator = AjvCompiler();

/**
 * Query strings, parameters and headers are text, so their values are coerced to the schema's
 * types (`?limit=2` is the number 2); a JSON body already has types, and coercing it would turn
 * `0`, `""` and `false` into `null` where a schema allows null. Bodies are validated exactly.
 */
const buildExactBodyValidator: typeof buildAjvValidator = (externalSchemas, options) => {
  const coercing = buildAjvValidator(externalSchemas, options);
  const customOptions: Options = { ...(options?.customOptions as Options | undefined), coerceTypes: false };
  const exact = buildAjvValidator(externalSchemas, { ...options, mode: undefined, customOptions });
  return (route) => (route.httpPart === 'body' ? exact : coercing)(route);
};

export interface AppOptions {
  /** Run the garbage collector on its schedule (the server process does; tests run it by hand). */
  backgroundJobs?: boolean;
}

/** Builds the HTTP application on the backing services it is given, and closes them when it closes. */
export async function buildApp(openedDeps: Deps, appOptions: AppOptions = {}): Promise<FastifyInstance> {
  const deps = { ...openedDeps, cache: countedCache(openedDeps.cache, openedDeps.metrics) };
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    trustProxy: deps.config.trustProxy,
    requestIdHeader: false,
    // A proxy's request id is kept (when it looks like one) so one request can be followed through both logs.
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { maxParamLength: 2048, ignoreTrailingSlash: true },
    schemaController: {
      compilersFactory: {
        buildValidator: lazyValidators(buildExactBodyValidator),
        buildSerializer: lazySerializers(),
      },
    },
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  const requestsSettled = trackRequestsInFlight(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      reply.headers(error.headers);
      return sendError(reply, error.status, error.code, error.message, error.details);
    }
    if (error.validation) return sendError(reply, 400, 'invalid_request', error.message);
    if (request.raw.socket?.destroyed) {
      // The client hung up; nobody will read an answer, and nothing is wrong with the server.
      request.log.info({ err: error }, 'the client closed the connection');
      return reply.send();
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'the database is unavailable');
      return sendError(reply, 503, 'database_unavailable', 'The database is unavailable; try again shortly.');
    }
    if (isStoreUnavailable(error)) {
      request.log.warn({ err: error }, 'the blob store is unavailable');
      return sendError(reply, 503, 'storage_unavailable', 'File storage is unavailable; try again shortly.');
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      const code = (error.code ?? 'bad_request').replace(/^FST_ERR_(CTP_)?/, '').toLowerCase();
      return sendError(reply, error.statusCode, code, error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'internal_error', 'Something went wrong on our side.');
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`),
  );

  await app.register(helmet, SECURITY_HEADERS);
  await app.register(cookie);
  const optionalBodies = new Set<string>();
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Fileshare API',
        version: '1.0.0',
        description: 'A self-hosted cloud drive. Every error answers {"error":{"code","message"}}.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'The token from /auth/login or /auth/register',
          },
          cookie: { type: 'apiKey', in: 'cookie', name: 'fileshare_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: ({ schema, url, route }) => {
      const publicRoute = (route.config as { access?: string } | undefined)?.access === 'public';
      if (route.preValidation === bodyOptional && schema.operationId !== undefined)
        optionalBodies.add(schema.operationId);
      return { schema: publicRoute ? { ...schema, security: [] } : schema, url };
    },
    // The plugin marks every body required; a route that takes none as `{}` says so.
    transformObject: (document) => {
      const { openapiObject } = document as { openapiObject: OpenApiDocument };
      for (const operations of Object.values(openapiObject.paths ?? {}))
        for (const operation of Object.values(operations ?? {}))
          if (operation.requestBody !== undefined && optionalBodies.has(operation.operationId ?? ''))
            operation.requestBody.required = false;
      return openapiObject;
    },
  });
  await app.register(async (docs) => {
    docs.addHook('onRoute', everyRoutePublic);
    await docs.register(swaggerUi, {
      routePrefix: '/api/docs',
      staticCSP: DOCUMENTATION_CSP,
    });
  });

  const services = createServices(deps);
  registerAuthentication(app, services.auth, deps.config);
  registerMetrics(app, deps, services);
  const options: RouteOptions = { deps, services };
  await app.register(
    async (api) => {
      await api.register(systemRoutes, options);
      await api.register(authRoutes, options);
      await api.register(appPasswordsRoutes, options);
      await api.register(usersRoutes, options);
      await api.register(nodesRoutes, options);
      await api.register(filesRoutes, options);
      await api.register(uploadsRoutes, options);
      await api.register(membersRoutes, options);
      await api.register(adminRoutes, options);
      await api.register(backupRoutes, options);
      await api.register(invitationsRoutes, options);
      await api.register(sharesRoutes, options);
      await api.register(publicRoutes, options);
      await api.register(publicContentRoutes, options);
      await api.register(searchRoutes, options);
    },
    { prefix: API_PREFIX },
  );

  // WebDAV, outside the API: clients mount the drive at /dav/.
  await app.register(davRoutes, { ...options, prefix: '/dav' });

  await app.register(async (web) => registerWebClient(web, deps.config.webDir));

  const stopGc = appOptions.backgroundJobs ? createGarbageCollector(deps, services).schedule() : () => {};
  // Keep-alive connections that fall idle once their request is answered are closed as they do, so
  // that closing doesn't wait for the clients' keep-alive timeouts; so are connections a client
  // opened and never sent a request on (HTTP clients open spares), which Node doesn't count as idle.
  const unused = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage) => unused.delete(request.socket));
  let reapIdle: NodeJS.Timeout | undefined;
  app.addHook('preClose', async () => {
    reapIdle = setInterval(() => {
      app.server.closeIdleConnections();
      for (const socket of unused) socket.destroy();
    }, 100);
    reapIdle.unref();
  });
  app.addHook('onClose', async () => {
    clearInterval(reapIdle);
    stopGc();
    // The server has stopped taking requests and its connections are closed; handlers may not be done.
    const running = await requestsSettled(SHUTDOWN_GRACE_MS);
    if (running > 0)
      deps.logger.warn({ running }, 'closing with requests still running after the shutdown grace period');
    await Promise.allSettled([deps.cache.close(), deps.blobs.close()]);
    await deps.database.close();
  });
  return app;
}
