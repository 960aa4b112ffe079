import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOpenApi, OPENAPI_FILE } from '../src/openapi.ts';
import { Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { tempDir } from './services.ts';

describe.each(driverSets())('health, readiness, errors and the API description (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  it('answers health with this process’s instance', async () => {
    const body = await new Api(server.origin).expect(200, 'GET', '/health');
    expect(body).toEqual({ status: 'ok', instance: expect.stringMatching(new RegExp(`:${process.pid}$`)) });
  });

  it('is ready when the database, cache and blob store answer', async () => {
    const body = await new Api(server.origin).expect(200, 'GET', '/ready');
    expect(body.checks).toEqual({ database: 'ok', cache: 'ok', blobs: 'ok' });
  });

  it('answers every error in one JSON shape, without internals', async () => {
    const api = new Api(server.origin);
    const missing = await api.expect(404, 'GET', '/no/such/route');
    expect(missing).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    const broken = await api.request('POST', '/auth/login', {
      body: '{"username": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    const body = await broken.json();
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.code).toEqual(expect.any(String));
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('echoes a request id on every response', async () => {
    const response = await new Api(server.origin).request('GET', '/health', {
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    const generated = await new Api(server.origin).request('GET', '/health');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves its OpenAPI document, with an operationId on every operation, and a page for people', async () => {
    const { api } = await signUp(server, uniqueName());
    const document = await api.expect(200, 'GET', '/openapi.json');
    expect(document.openapi).toMatch(/^3\./);
    const operations = Object.values(
      document.paths as Record<string, Record<string, { operationId?: string }>>,
    ).flatMap((methods) => Object.values(methods));
    expect(operations.length).toBeGreaterThan(20);
    for (const operation of operations) expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
    const docs = await fetch(`${server.origin}/api/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });
});

describe('the committed openapi.json', () => {
  it('matches what the routes describe (run `npm run openapi` after changing a route)', async () => {
    const scratch = await tempDir();
    try {
      const generated = await generateOpenApi(scratch.path);
      const committed = await readFile(OPENAPI_FILE, 'utf8');
      expect(JSON.parse(committed)).toEqual(JSON.parse(generated));
    } finally {
      await scratch.remove();
    }
  });
});
