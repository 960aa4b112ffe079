/**
 * The scaled-out topology on one machine: nginx (deploy/nginx.conf, rewritten for loopback) in front
 * of API_INSTANCES API processes on PostgreSQL, Redis and S3. `npm run cluster`; Ctrl-C stops it all.
 *
 *   CLUSTER_PORT     where nginx listens on 127.0.0.1 (default 8080)
 *   API_INSTANCES    how many API processes (default 2); they listen on the free ports after it
 *   CLUSTER_WEIGHTS  upstream weights, e.g. "3,1" (default 1 each)
 *   CLUSTER_DIR      nginx's files, the s3rver's bucket (default ./data/cluster)
 *   DATABASE_URL     default: the database fileshare_cluster on the local PostgreSQL, created if missing
 *   REDIS_URL        default redis://127.0.0.1:6379
 *   S3_*             default: an s3rver this script starts, its bucket under CLUSTER_DIR/s3 (kept
 *                    across restarts, as the database is)
 *   NGINX            the nginx binary (default: nginx on PATH, else /usr/sbin/nginx)
 *   WEB_DIR          the built web client (default web/dist)
 * Anything else in the environment (LOG_LEVEL, LOGIN_LIMIT_*, …) is passed to the API processes.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { S3Config } from '../server/src/config.ts';
import { findProgram, freePort, stopProcess, waitUntil } from '../tools/processes.ts';
import { startS3rver } from '../tools/s3rver.ts';
import { localNginxConfig } from './nginx-config.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = path.join(ROOT, 'server/src/main.ts');

export class ClusterError extends Error {}

export const NGINX_MISSING = `nginx is not installed. The cluster runs the machine's nginx; install it with:

    sudo apt-get update && sudo apt-get install -y nginx

(or set NGINX to the path of an nginx binary).`;

/** nginx from $NGINX, the PATH, or Debian's /usr/sbin. */
export function findNginx(explicit = process.env.NGINX?.trim()): string {
  if (explicit) {
    if (!existsSync(explicit))
      throw new ClusterError(`NGINX=${explicit} does not exist.\n\n${NGINX_MISSING}`);
    return explicit;
  }
  const found = findProgram('nginx', ['/usr/local/nginx/sbin']);
  if (found === undefined) throw new ClusterError(NGINX_MISSING);
  return found;
}

export interface ClusterOptions {
  /** nginx's port on 127.0.0.1; 0 picks a free one. */
  port: number;
  instances: number;
  weights?: number[];
  /** nginx's files (and the s3rver's bucket when this starts one). */
  dir: string;
  databaseUrl: string;
  /** undefined: no Redis (each instance caches in its own memory). */
  redisUrl: string | undefined;
  /** undefined: start an s3rver with its bucket under `dir`, unless `sharedDataDir` is given. */
  s3?: S3Config;
  /**
   * One DATA_DIR for every instance, and no S3: the blobs are files in one directory all of them
   * share (a volume mounted on every machine).
   */
  sharedDataDir?: string;
  webDir?: string;
  /** Extra environment for the API processes. */
  env?: Record<string, string | undefined>;
  nginxWorkers?: number | 'auto';
  accessLog?: boolean;
  /** Where the processes' output goes, a line at a time with its source (default: stderr). */
  log?: (source: string, line: string) => void;
}

export interface Instance {
  name: string;
  port: number;
  /** http://127.0.0.1:<port>, to talk to this instance directly, past nginx. */
  origin: string;
  child: ChildProcess;
  exited: Promise<void>;
}

export interface Cluster {
  /** nginx: http://127.0.0.1:<port> */
  url: string;
  instances: Instance[];
  /** undefined: the instances keep their blobs in `sharedDataDir`. */
  s3: S3Config | undefined;
  nginx: ChildProcess;
  nginxConfigPath: string;
  /** Starts instance `index` again (after it was killed), on the same port. */
  restartInstance(index: number): Promise<Instance>;
  stop(): Promise<void>;
}

/** The database `name` on the server of `adminUrl`, created if it isn't there. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new ClusterError(`PostgreSQL at ${adminUrl} can't be reached: ${(error as Error).message}`);
  }
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount === 0) await admin.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function pipeLines(child: ChildProcess, source: string, log: (source: string, line: string) => void) {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8').on('data', (text: string) => {
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) log(source, line);
    });
  }
}

async function waitForAnswer(url: string, child: ChildProcess, what: string, timeoutMs: number) {
  const answers = () =>
    fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.ok,
      () => false,
    );
  await waitUntil(`${what} answering ${url}`, answers, { timeoutMs, child }).catch((error: Error) => {
    throw new ClusterError(error.message);
  });
}

/**
 * Writes `config` to `dir`/nginx.conf, has nginx check it, and starts nginx on it in the
 * foreground, in a process group of its own; stop it with SIGQUIT to the group.
 */
export function spawnNginx(
  binary: string,
  dir: string,
  config: string,
): { child: ChildProcess; configPath: string } {
  mkdirSync(dir, { recursive: true });
  const configPath = path.join(dir, 'nginx.conf');
  writeFileSync(configPath, config);
  const args = ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', configPath];
  const check = spawnSync(binary, [...args, '-t'], { encoding: 'utf8' });
  if (check.status !== 0) throw new ClusterError(`nginx -t rejected ${configPath}:\n${check.stderr}`);
  const child = spawn(binary, [...args, '-g', 'daemon off;'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, configPath };
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const output = options.log ?? ((source, line) => process.stderr.write(`[${source}] ${line}\n`));
  // The last lines of each process, for the message when one fails to start.
  const recent = new Map<string, string[]>();
  const log = (source: string, line: string) => {
    const lines = recent.get(source) ?? [];
    lines.push(line);
    if (lines.length > 20) lines.shift();
    recent.set(source, lines);
    output(source, line);
  };
  const tail = (source: string) => (recent.get(source) ?? []).map((line) => `  ${line}`).join('\n');
  const waitUntilUp = (url: string, child: ChildProcess, source: string, timeoutMs: number) =>
    waitForAnswer(url, child, source, timeoutMs).catch((error: Error) => {
      throw new ClusterError(`${error.message}\n${tail(source)}`);
    });
  const nginxBinary = findNginx();
  const webDir = options.webDir ?? path.join(ROOT, 'web/dist');
  mkdirSync(options.dir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  // Should this process die without stopping the cluster, its children go with it.
  const children = new Set<ChildProcess>();
  const killChildren = () => {
    for (const child of children) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
  };
  process.on('exit', killChildren);
  cleanups.push(async () => {
    process.off('exit', killChildren);
  });

  try {
    let s3 = options.s3;
    if (s3 === undefined && options.sharedDataDir === undefined) {
      const s3rver = await startS3rver(path.join(options.dir, 's3'), 'fileshare');
      cleanups.push(s3rver.close);
      s3 = s3rver.config;
      log('cluster', `s3rver on ${s3.endpoint}, bucket ${s3.bucket}`);
    }
    const port = options.port === 0 ? await freePort() : options.port;
    const url = `http://127.0.0.1:${port}`;
    const s3Env =
      s3 === undefined
        ? {}
        : {
            S3_ENDPOINT: s3.endpoint,
            S3_BUCKET: s3.bucket,
            S3_REGION: s3.region,
            S3_ACCESS_KEY_ID: s3.accessKeyId,
            S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
            S3_FORCE_PATH_STYLE: String(s3.forcePathStyle),
          };

    const instances: Instance[] = [];
    const launch = (index: number, instancePort: number): Instance => {
      const name = `api${index + 1}`;
      const child = spawn(process.execPath, [MAIN], {
        cwd: ROOT,
        // Its own process group, so that a Ctrl-C in the terminal reaches only this script, which
        // then stops everything in order.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
          ...options.env,
          PORT: String(instancePort),
          HOST: '127.0.0.1',
          TRUST_PROXY: 'true',
          PUBLIC_URL: options.env?.PUBLIC_URL ?? url,
          DATA_DIR: options.sharedDataDir ?? path.join(options.dir, name),
          WEB_DIR: webDir,
          DATABASE_URL: options.databaseUrl,
          REDIS_URL: options.redisUrl ?? '',
          ...s3Env,
        },
      });
      children.add(child);
      pipeLines(child, name, log);
      const exited = new Promise<void>((resolve) =>
        child.once('exit', () => {
          children.delete(child);
          resolve();
        }),
      );
      return { name, port: instancePort, origin: `http://127.0.0.1:${instancePort}`, child, exited };
    };
    cleanups.push(async () => {
      await Promise.all(instances.map((instance) => stopProcess(instance.child, 'SIGTERM', 10_000)));
    });
    for (let index = 0; index < options.instances; index++) instances.push(launch(index, await freePort()));
    await Promise.all(
      instances.map((instance) =>
        waitUntilUp(`${instance.origin}/api/v1/health`, instance.child, instance.name, 60_000),
      ),
    );

    const nginxDir = path.join(options.dir, 'nginx');
    const { child: nginx, configPath: nginxConfigPath } = spawnNginx(
      nginxBinary,
      nginxDir,
      localNginxConfig({
        dir: nginxDir,
        port,
        upstreams: instances.map((instance, index) => ({
          address: `127.0.0.1:${instance.port}`,
          weight: options.weights?.[index],
        })),
        webDir,
        workers: options.nginxWorkers,
        accessLog: options.accessLog,
      }),
    );
    children.add(nginx);
    nginx.once('exit', () => children.delete(nginx));
    pipeLines(nginx, 'nginx', log);
    // SIGQUIT: nginx finishes the requests in flight, then exits.
    cleanups.push(() => stopProcess(nginx, 'SIGQUIT', 5_000, true));
    await waitUntilUp(`${url}/api/v1/health`, nginx, 'nginx', 15_000);

    return {
      url,
      instances,
      s3,
      nginx,
      nginxConfigPath,
      async restartInstance(index) {
        const old = instances[index];
        if (old === undefined) throw new ClusterError(`there is no instance ${index}`);
        await stopProcess(old.child, 'SIGTERM', 10_000);
        const instance = launch(index, old.port);
        instances[index] = instance;
        await waitUntilUp(`${instance.origin}/api/v1/health`, instance.child, instance.name, 60_000);
        return instance;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function positive(name: string, fallback: number, max: number): number {
  const raw = process.env[name]?.trim() || String(fallback);
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max)
    throw new ClusterError(`${name} must be a whole number from 1 to ${max}, got "${raw}"`);
  return value;
}

async function main() {
  const instances = positive('API_INSTANCES', 2, 64);
  const port = positive('CLUSTER_PORT', 8080, 65535);
  const weights = process.env.CLUSTER_WEIGHTS?.split(',').map((weight) => Number(weight.trim()));
  if (weights !== undefined && (weights.length !== instances || weights.some((w) => !(w >= 1 && w <= 100))))
    throw new ClusterError(`CLUSTER_WEIGHTS must list ${instances} weights from 1 to 100, e.g. "3,1"`);
  const dir = path.resolve(process.env.INIT_CWD ?? process.cwd(), process.env.CLUSTER_DIR || 'data/cluster');
  findNginx();
  const databaseUrl =
    process.env.DATABASE_URL?.trim() ||
    (await ensureDatabase(
      process.env.CLUSTER_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      'fileshare_cluster',
    ));
  const hasS3 = Object.keys(process.env).some((name) => name.startsWith('S3_') && process.env[name]?.trim());
  const webDir = process.env.WEB_DIR?.trim() || path.join(ROOT, 'web/dist');
  if (!existsSync(path.join(webDir, 'index.html')))
    console.warn(
      `The web client is not built (${webDir}); nginx serves the API only. Build it with npm run build.`,
    );

  const cluster = await startCluster({
    port,
    instances,
    weights,
    dir,
    databaseUrl,
    redisUrl: process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379',
    // S3_* set: main.ts reads them from the environment the instances inherit.
    s3: hasS3 ? (await import('../server/src/config.ts')).loadConfig().s3 : undefined,
    webDir,
  });
  console.log(`Fileshare cluster on ${cluster.url}: nginx (${cluster.nginxConfigPath})`);
  for (const instance of cluster.instances)
    console.log(`  ${instance.name} on ${instance.origin} (pid ${instance.child.pid})`);
  console.log(
    `  database ${databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}, blobs ${cluster.s3?.endpoint ?? 'AWS S3'}`,
  );
  console.log('Ctrl-C stops everything.');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping nginx and the API instances…`);
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  for (const instance of cluster.instances) {
    instance.exited.then(() => {
      if (!stopping)
        console.error(
          `${instance.name} exited (${instance.child.exitCode ?? instance.child.signalCode}); nginx sends its requests to the others`,
        );
    });
  }
  cluster.nginx.once('exit', async (code, signal) => {
    if (stopping) return;
    console.error(`nginx exited (${code ?? signal}); stopping the cluster`);
    stopping = true;
    await cluster.stop();
    process.exit(1);
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof ClusterError ? error.message : error);
    process.exit(1);
  });
}
