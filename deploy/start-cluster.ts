/**
 * Starts the scaled-out topology on one machine: API processes on PostgreSQL, Redis and S3 (an
 * s3rver unless one is given), and nginx in front of them (deploy/nginx.conf, rewritten for
 * loopback). `npm run cluster` (cluster.ts), the cluster tests and the load benchmark use it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Config } from '../server/src/config.ts';
import { freePort, stopProcess, waitUntil } from '../tools/processes.ts';
import { startS3rver } from '../tools/s3rver.ts';
import { serverStartArgs } from '../tools/server-start.ts';
import { ClusterError } from './cluster-error.ts';
import { localNginxConfig } from './nginx-config.ts';
import { findNginx, spawnNginx } from './nginx-process.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

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
      const child = spawn(process.execPath, serverStartArgs(), {
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
