import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWebClient } from './client.ts';
import { startServer, type TestServer } from './harness.ts';
import { tempDir } from './services.ts';

describe('serving the web client', () => {
  let server: TestServer;
  let web: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    web = await tempDir('fileshare-web-');
    await writeWebClient(web.path);
    server = await startServer('embedded', { env: { WEB_DIR: web.path } });
  });
  afterAll(async () => {
    await server.close();
    await web.remove();
  });

  it('serves the built files at / and index.html for client-side routes, with a strict policy', async () => {
    const index = await fetch(`${server.origin}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>Fileshare</title>');
    // Scripts from this origin; WebAssembly (the parts' MD5) may compile, JavaScript may not be eval'd.
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(index.headers.get('content-security-policy')).not.toContain("'unsafe-eval'");
    const route = await fetch(`${server.origin}/folders/some-folder`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>Fileshare</title>');
    expect(route.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const asset = await fetch(`${server.origin}/assets/app-1234.js`);
    expect(await asset.text()).toBe('console.log("app")');
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('still answers unknown API paths with the API’s 404', async () => {
    const response = await fetch(`${server.origin}/api/v1/no-such-thing`);
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('not_found');
  });
});
