import pino from 'pino';
import { type Cluster, startCluster } from '../../../deploy/start-cluster.ts';
import { stopProcess } from '../../../tools/processes.ts';
import { loadConfig, type S3Config } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createGarbageCollector } from '../../src/features/gc/garbage-collector.ts';
import { openDeps } from '../../src/platform/open.ts';
import { createServices } from '../../src/services.ts';
import { TestClock } from '../harness.ts';
import { tempDir } from '../services.ts';

/**
 * Two API processes on one PostgreSQL database, one Redis prefix and one blob store (a bucket, or
 * a directory they share), started as `npm run cluster` starts them, which a test can kill and
 * start again; and, in the test's own process, the same database and store opened directly, for
 * the invariants and a collection pass.
 */
export interface Stack {
  name: string;
  /** Each instance's own origin (http://127.0.0.1:port), in order. */
  origins(): string[];
  /** The database and the store as the instances see them (the store reached directly, past any proxy). */
  deps: Deps;
  /** Exits nobody asked for: an instance that died by itself, with the last lines it wrote. */
  unexpectedExits: string[];
  /** The error lines the instances logged since the last call (a 500 says why there). */
  takeErrors(): string[];
  /** kill -9 of instance `index`; resolves once it is gone. */
  kill(index: number): Promise<void>;
  /** Starts instance `index` again on its port; resolves once it answers its health check. */
  restart(index: number): Promise<void>;
  /** Whether every instance answers /ready (database, cache and store reachable) within `timeoutMs`. */
  allReady(timeoutMs: number): Promise<boolean>;
  /** A collection pass as if the grace period had passed: what no file or session points at goes. */
  collect(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  name: string;
  databaseUrl: string;
  redisUrl: string;
  /** The bucket the instances use, through `s3Endpoint`; or undefined for a shared directory. */
  s3?: S3Config;
  /** Where the instances send their S3 requests (a proxy in front of `s3.endpoint`). */
  s3Endpoint?: string;
  /** With no S3: the DATA_DIR every instance shares (its `blobs/` is the store). */
  sharedDataDir?: string;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dir = await tempDir(`fileshare-${options.name}-`);
  const redisKeyPrefix = `fileshare-${options.name}:`;
  const recent = new Map<string, string[]>();
  const expected = new Set<number>();
  const unexpectedExits: string[] = [];
  let errors: string[] = [];
  let closing = false;
  let cluster: Cluster;
  try {
    cluster = await startCluster({
      port: 0,
      instances: 2,
      dir: dir.path,
      databaseUrl: options.databaseUrl,
      redisUrl: options.redisUrl,
      s3: options.s3 === undefined ? undefined : { ...options.s3, endpoint: options.s3Endpoint },
      sharedDataDir: options.sharedDataDir,
      nginxWorkers: 1,
      accessLog: false,
      env: {
        LOG_LEVEL: 'warn',
        GC_INTERVAL_SECONDS: '0',
        REDIS_KEY_PREFIX: redisKeyPrefix,
        REGISTRATION: 'open',
        REGISTRATION_LIMIT_PER_ADDRESS: '1000000',
      },
      log: (source, line) => {
        const lines = recent.get(source) ?? [];
        lines.push(line);
        if (lines.length > 30) lines.shift();
        recent.set(source, lines);
        if (/"level":(50|60)/.test(line)) errors.push(`[${source}] ${line}`);
      },
    });
  } catch (error) {
    await dir.remove();
    throw error;
  }
  const watch = (index: number) => {
    const instance = cluster.instances[index];
    if (instance === undefined) return;
    const pid = instance.child.pid ?? -1;
    instance.exited.then(() => {
      if (closing || expected.has(pid)) return;
      const how = instance.child.exitCode ?? instance.child.signalCode;
      unexpectedExits.push(
        `${options.name} ${instance.name} (pid ${pid}) exited by itself (${how}):\n${(recent.get(instance.name) ?? []).join('\n')}`,
      );
    });
  };
  for (let index = 0; index < cluster.instances.length; index++) watch(index);

  // Ahead of the instances by the grace period, once: every blob they have written counts as old.
  const clock = new TestClock();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: redisKeyPrefix,
    DATA_DIR: options.sharedDataDir ?? dir.path,
  });
  const deps = await openDeps({ ...config, s3: options.s3 }, pino({ level: 'silent' }), { clock });
  clock.advance(deps.config.uploads.gcGraceSeconds * 1000 + 1000);

  const readyAt = (origin: string) =>
    fetch(`${origin}/api/v1/ready`, { signal: AbortSignal.timeout(2_000) }).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status === 200;
      },
      () => false,
    );

  return {
    name: options.name,
    origins: () => cluster.instances.map((instance) => instance.origin),
    deps,
    unexpectedExits,
    takeErrors() {
      const taken = errors;
      errors = [];
      return taken;
    },
    async kill(index) {
      const instance = cluster.instances[index];
      if (instance === undefined) throw new Error(`no instance ${index}`);
      expected.add(instance.child.pid ?? -1);
      await stopProcess(instance.child, 'SIGKILL', 0);
    },
    async restart(index) {
      await cluster.restartInstance(index);
      watch(index);
    },
    async allReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ready = await Promise.all(cluster.instances.map((instance) => readyAt(instance.origin)));
        if (ready.every(Boolean)) return true;
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async collect() {
      await createGarbageCollector(deps, createServices(deps)).run();
    },
    async close() {
      closing = true;
      await cluster.stop();
      await Promise.allSettled([deps.cache.close(), deps.blobs.close()]);
      await deps.database.close();
      await dir.remove();
    },
  };
}
