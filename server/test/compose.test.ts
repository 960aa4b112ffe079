import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { serverStartArgs } from '../../tools/server-start.ts';
import { loadConfig } from '../src/config.ts';

// deploy/compose.yaml can't be run where the tests run (no Docker), so it is checked against the
// code and the other deploy files instead: what the API needs, what nginx expects, what connects.
const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const REPO_ROOT = path.resolve(DEPLOY, '..');
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
  networks?: Record<string, { ipv4_address?: string } | null>;
}
interface Network {
  ipam?: { config?: { subnet?: string; ip_range?: string }[] };
}
const compose = parse(read('compose.yaml')) as {
  services: Record<string, Service>;
  volumes: object;
  networks?: Record<string, Network>;
};
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
      expect(config.host, name).toBe('0.0.0.0');
      expect(config.publicUrl, name).toMatch(/^https:/);
      // Its health check asks its own port.
      expect(services[name]?.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${config.port}/api/v1/health`);
      // Only nginx reaches it.
      expect(services[name]?.ports, name).toBeUndefined();
    }
    expect(read('Dockerfile')).toMatch(new RegExp(`^EXPOSE ${apiConfig('api1').port}$`, 'm'));
  });

  it("starts the API in the image as the server package's start script does, its node flags included", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(read('Dockerfile'))?.[1];
    const [program, ...args] = JSON.parse(cmd ?? '[]') as string[];
    expect(program).toBe('node');
    // The image runs from the repository's root (WORKDIR /app), the start script from server/.
    expect(args.map((arg) => (arg.startsWith('-') ? arg : path.resolve(REPO_ROOT, arg)))).toEqual(
      serverStartArgs(),
    );
    expect(read('Dockerfile')).toMatch(/^WORKDIR \/app$/m);
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
    // Browsers send parts to this endpoint, so its port is published as it is (on this machine).
    expect(services.minio?.ports).toContain(`127.0.0.1:${endpoint.port}:${endpoint.port}`);
    expect(s3?.forcePathStyle).toBe(true);
    const job = services.bucket?.command?.join(' ') ?? '';
    expect(job).toContain(
      `mc alias set store ${s3?.endpoint} ${minio.MINIO_ROOT_USER} ${minio.MINIO_ROOT_PASSWORD}`,
    );
    expect(job).toContain(`mb --ignore-existing store/${s3?.bucket}`);
  });

  it('binds every published port to 127.0.0.1', () => {
    const published = Object.entries(services).flatMap(([name, service]) =>
      (service.ports ?? []).map((entry) => `${name} ${entry}`),
    );
    expect(published.length).toBeGreaterThan(0);
    for (const entry of published) expect(entry).toMatch(/^\S+ 127\.0\.0\.1:\d+:\d+$/);
  });

  it('has the API believe X-Forwarded-* from nginx’s fixed address only', () => {
    const [network, attachment] = Object.entries(services.nginx?.networks ?? {})[0] ?? [];
    const address = attachment?.ipv4_address ?? '';
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    for (const name of apiNames) expect(apiConfig(name).trustProxy, name).toEqual([address]);
    // The address is nginx's for good: inside the network's subnet, outside the range handed out to others.
    const ipam = compose.networks?.[network ?? '']?.ipam?.config?.[0] ?? {};
    const inside = (cidr: string | undefined) => {
      const [base = '', bits = '32'] = (cidr ?? '').split('/');
      const toNumber = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
      const size = 2 ** (32 - Number(bits));
      return Math.floor(toNumber(address) / size) === Math.floor(toNumber(base) / size);
    };
    expect(inside(ipam.subnet), `${address} in ${ipam.subnet}`).toBe(true);
    expect(ipam.ip_range, 'a range for the other containers').toBeDefined();
    expect(inside(ipam.ip_range), `${address} outside ${ipam.ip_range}`).toBe(false);
    // Every other service is on that network (the default one), so nginx reaches the API on it.
    expect(network).toBe('default');
    for (const [name, service] of Object.entries(services))
      if (name !== 'nginx') expect(service.networks, name).toBeUndefined();
  });

  it('gives the API an S3 key of its own, limited to the bucket, not MinIO’s root key', () => {
    const s3 = apiConfig('api1').s3;
    const minio = services.minio?.environment ?? {};
    expect(s3?.accessKeyId).not.toBe(minio.MINIO_ROOT_USER);
    expect(s3?.secretAccessKey).not.toBe(minio.MINIO_ROOT_PASSWORD);
    for (const name of apiNames)
      expect(Object.values(services[name]?.environment ?? {}), name).not.toContain(minio.MINIO_ROOT_PASSWORD);
    // The bucket job creates that user and attaches the policy it mounts.
    const job = services.bucket?.command?.join(' ') ?? '';
    const policyFile = /mc admin policy create store (\S+) (\S+)/.exec(job);
    expect(policyFile, job).not.toBeNull();
    const [, policyName, policyPath] = policyFile ?? [];
    expect(job).toContain(`mc admin user add store ${s3?.accessKeyId} ${s3?.secretAccessKey}`);
    expect(job).toContain(`mc admin policy attach store ${policyName} --user ${s3?.accessKeyId}`);
    const policySource = mount(services.bucket as Service, policyPath ?? '');
    expect(policySource).toBe(path.join(DEPLOY, 'minio-api-policy.json'));
    const policy = JSON.parse(readFileSync(policySource ?? '', 'utf8')) as {
      Statement: { Effect: string; Action: string[]; Resource: string[] }[];
    };
    const bucket = `arn:aws:s3:::${s3?.bucket}`;
    for (const statement of policy.Statement) {
      expect(statement.Effect).toBe('Allow');
      for (const resource of statement.Resource) expect([bucket, `${bucket}/*`]).toContain(resource);
      for (const action of statement.Action) expect(action).toMatch(/^s3:(Get|Put|Delete|List|Abort)/);
    }
    // What the S3 driver calls: objects, multipart uploads and their parts, and the bucket's check.
    const actions = policy.Statement.flatMap((statement) => statement.Action);
    for (const needed of [
      's3:GetObject',
      's3:PutObject',
      's3:DeleteObject',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
      's3:ListBucket',
      's3:ListBucketMultipartUploads',
    ])
      expect(actions).toContain(needed);
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
    expect(nginx?.ports?.map((entry) => entry.split(':').at(-1)).sort()).toEqual(
      [...new Set(listens)].sort(),
    );
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
