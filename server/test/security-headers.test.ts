import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, uniqueName, writeWebClient } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { tempDir } from './services.ts';

describe.each(driverSets())('security headers (%s)', (set) => {
  let server: TestServer;
  let web: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    web = await tempDir('fileshare-web-');
    await writeWebClient(web.path);
    server = await startServer(set, { env: { WEB_DIR: web.path } });
  });
  afterAll(async () => {
    await server.close();
    await web.remove();
  });

  const expectSecurityHeaders = (response: Response, what: string) => {
    expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(response.headers.get('x-frame-options'), what).toBe('DENY');
    expect(response.headers.get('referrer-policy'), what).toBe('same-origin');
    expect(response.headers.get('cross-origin-opener-policy'), what).toBe('same-origin');
    expect(response.headers.get('content-security-policy'), what).toMatch(/frame-ancestors '(none|self)'/);
  };

  it('sends them on the web client, the API and its errors alike', async () => {
    for (const path of ['/', '/folders/some-folder', '/assets/app-1234.js', '/api/v1/health', '/api/v1/me']) {
      const response = await fetch(`${server.origin}${path}`);
      await response.arrayBuffer();
      expectSecurityHeaders(response, path);
      expect(response.headers.get('content-security-policy'), path).toContain("script-src 'self'");
    }
  });

  it('sends them on the API documentation, with a policy that lets its page run', async () => {
    const page = await fetch(`${server.origin}/api/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expectSecurityHeaders(page, '/api/docs/');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toMatch(/script-src 'self'/);
    expect(policy).toContain("script-src-attr 'none'");
    expect(policy).not.toContain('upgrade-insecure-requests');
    expect(policy).not.toContain("'unsafe-eval'");
    // Every script the page loads comes from this origin, which the policy allows.
    const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"/g)].map((match) => match[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      const script = await fetch(new URL(src, `${server.origin}/api/docs/`));
      expect(script.status, src).toBe(200);
      expect((await script.text()).length, src).toBeGreaterThan(0);
      expectSecurityHeaders(script, src);
    }
  });

  it('keeps the downloads’ own sandboxing policy', async () => {
    const { api } = await signUp(server, uniqueName());
    const file = await (await api.upload('root', 'page.html', '<script>alert(1)</script>')).json();
    const download = await api.request('GET', `/files/${file.id}/content`);
    expect(await download.text()).toBe('<script>alert(1)</script>');
    expect(download.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(download.headers.get('x-frame-options')).toBe('DENY');
  });
});
