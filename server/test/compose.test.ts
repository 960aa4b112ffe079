import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.ts';

// deploy/compose.yaml can't be run where the tests run (no Docker), so it is checked against the
// code and the other deploy files instead: what the API needs, what nginx expects, what connects.
const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const read = (name: string) => readFileSync(path.join(DEPLOY, name), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, unknown>;
  healthcheck?: { test: string[] };
  command?: string[];
}
const compose = parse(read('compose.yaml')) as { services: Record<string, Service>; volumes: object };
const services = compose.services;
const nginxConf = read('nginx.conf');

const apiNames = Object.keys(services).filter(
  (name) => services[name]?.build?.dockerfile === 'deploy/Dockerfile',
);
const apiConfig = (name: string) => loadConfig(services[name]?.environment ?? {});
/** A mount `source:target[:mode]`, its source resolved against deploy/ as compose does. */
function mount(service: Service, target: string) {
  const volume = service.volumes?.find((entry) => entry.split(':')[1] === target);
  return volume === undefined ? undefined : path.resolve(DEPLOY, volume.split(':')[0] ?? '');
}

describe('deploy/compose.yaml, checked statically', () => {
  it('runs two API replicas built from deploy/Dockerfile, each configured for the scaled-out services', () => {
    expect(apiNames).toEqual(['api1', 'api2']);
    expect(existsSync(path.join(DEPLOY, 'Dockerfile'))).toBe(true);
    for (const name of apiNames) {
      // The API's own validation: every variable it requires is there and well-formed.
      const config = apiConfig(name);
      expect(config.databaseUrl, name).toBeDefined();
      expect(config.redisUrl, name).toBeDefined();
      expect(config.s3, name).toBeDefined();
      expect(config.trustProxy, name).toBe(true);
      expect(config.host, name).toBe('0.0.0.0');
      expect(config.publicUrl, name).toMatch(/^https:/);
      // Its health check asks its own port.
      expect(services[name]?.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${config.port}/api/v1/health`);
      // Only nginx reaches it.
      expect(services[name]?.ports, name).toBeUndefined();
    }
    expect(read('Dockerfile')).toMatch(new RegExp(`^EXPOSE ${apiConfig('api1').port}$`, 'm'));
  });

  it('points the API at the PostgreSQL, Redis and S3 services it starts, with their credentials', () => {
    const config = apiConfig('api1');
    const postgres = services.postgres?.environment ?? {};
    const database = new URL(config.databaseUrl ?? '');
    expect([
      database.hostname,
      database.port,
      database.username,
      database.password,
      database.pathname,
    ]).toEqual([
      'postgres',
      '5432',
      postgres.POSTGRES_USER,
      postgres.POSTGRES_PASSWORD,
      `/${postgres.POSTGRES_DB}`,
    ]);
    const redis = new URL(config.redisUrl ?? '');
    expect([redis.hostname, redis.port]).toEqual(['redis', '6379']);
    expect(services.redis?.command).toContain('redis-server');

    const s3 = config.s3;
    const minio = services.minio?.environment ?? {};
    const endpoint = new URL(s3?.endpoint ?? '');
    expect(endpoint.hostname).toBe('minio');
    // Browsers send parts to this endpoint, so its port is published as it is.
    expect(services.minio?.ports).toContain(`${endpoint.port}:${endpoint.port}`);
    expect([s3?.accessKeyId, s3?.secretAccessKey]).toEqual([
      minio.MINIO_ROOT_USER,
      minio.MINIO_ROOT_PASSWORD,
    ]);
    expect(s3?.forcePathStyle).toBe(true);
    expect(services.bucket?.command?.join(' ')).toContain(`mb --ignore-existing store/${s3?.bucket}`);
  });

  it('runs nginx on deploy/nginx.conf, whose upstream is exactly the API replicas on their port', () => {
    const nginx = services.nginx;
    expect(nginx).toBeDefined();
    expect(mount(nginx as Service, '/etc/nginx/nginx.conf')).toBe(path.join(DEPLOY, 'nginx.conf'));
    const upstream = /upstream fileshare_api \{([^}]*)\}/.exec(nginxConf)?.[1] ?? '';
    const servers = [...upstream.matchAll(/^\s*server (\S+):(\d+)/gm)].map(
      ([, host, port]) => `${host}:${port}`,
    );
    expect(servers).toEqual(apiNames.map((name) => `${name}:${apiConfig(name).port}`));
    expect(Object.keys(nginx?.depends_on ?? {}).sort()).toEqual(apiNames);

    // The ports it publishes are the ones it listens on; the files it is told about are mounted.
    const listens = [...nginxConf.matchAll(/^\s*listen (\d+)/gm)].map(([, port]) => port);
    expect(nginx?.ports?.map((entry) => entry.split(':')[1]).sort()).toEqual([...new Set(listens)].sort());
    const root = /^\s*root (\S+);/m.exec(nginxConf)?.[1];
    expect(mount(nginx as Service, root ?? '')).toBe(
      fileURLToPath(new URL('../../web/dist', import.meta.url)),
    );
    const certificate = /^\s*ssl_certificate (\S+);/m.exec(nginxConf)?.[1] ?? '';
    expect(mount(nginx as Service, path.dirname(certificate))).toBe(path.join(DEPLOY, 'tls'));
  });

  it('names only services that exist in depends_on, and declares every named volume', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('.'))
          expect(Object.keys(compose.volumes), `${name}: ${volume}`).toContain(source);
      }
    }
  });
});
