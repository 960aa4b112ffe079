import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localNginxConfig, PRODUCTION_CONFIG } from '../../deploy/nginx-config.ts';
import { findNginx } from '../../deploy/nginx-process.ts';
import { driverSets } from './harness.ts';
import { tempDir } from './services.ts';

/**
 * deploy/nginx.conf as it ships: the cluster tests run it with the machine-specific lines rewritten,
 * so the lines only production uses (TLS, the redirect, the named upstream hosts) are checked here.
 */
// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
describe.runIf(driverSets().includes('services'))('deploy/nginx.conf', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const production = readFileSync(PRODUCTION_CONFIG, 'utf8');

  beforeAll(async () => {
    dir = await tempDir('fileshare-nginx-');
  });
  afterAll(() => dir.remove());

  it('passes nginx -t as shipped, with only hosts, certificates and log paths pointed at the test', () => {
    const nginx = findNginx();
    const [key, certificate] = [path.join(dir.path, 'privkey.pem'), path.join(dir.path, 'fullchain.pem')];
    const openssl = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        key,
        '-out',
        certificate,
      ],
      { encoding: 'utf8' },
    );
    expect(openssl.status, `openssl: ${openssl.stderr}`).toBe(0);
    const config = production
      .replace(/\bapi[12]:8080\b/g, '127.0.0.1:9')
      .replaceAll('/etc/nginx/tls', dir.path)
      .replaceAll('/var/log/nginx', dir.path)
      .replace('/run/nginx.pid', path.join(dir.path, 'nginx.pid'));
    const file = path.join(dir.path, 'nginx.conf');
    writeFileSync(file, config);
    const check = spawnSync(
      nginx,
      ['-t', '-p', dir.path, '-e', path.join(dir.path, 'error.log'), '-c', file],
      {
        encoding: 'utf8',
      },
    );
    expect(check.status, check.stderr).toBe(0);
  });

  it('keeps the production rules in the cluster config and refuses a file it cannot follow', () => {
    const local = localNginxConfig({
      dir: dir.path,
      port: 8080,
      upstreams: [{ address: '127.0.0.1:3001' }, { address: '127.0.0.1:3002', weight: 3 }],
      webDir: '/srv/web',
    });
    for (const rule of [
      'proxy_next_upstream error timeout http_502 http_503;',
      'proxy_request_buffering off;',
      'client_max_body_size 0;',
      'proxy_set_header X-Request-Id $request_id;',
    ])
      expect(local).toContain(rule);
    expect(local).toContain('server 127.0.0.1:3002 weight=3 max_fails=2 fail_timeout=10s;');
    expect(local).toContain('listen 127.0.0.1:8080;');
    expect(local).not.toMatch(/ssl_|api1:8080|Strict-Transport-Security/);
    expect(() =>
      localNginxConfig(
        { dir: dir.path, port: 8080, upstreams: [], webDir: '/srv/web' },
        production.replace('listen 443 ssl http2;', 'listen 8443 ssl;'),
      ),
    ).toThrow(/deploy\/nginx.conf changed/);
  });
});
