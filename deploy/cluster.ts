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
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ClusterError } from './cluster-error.ts';
import { findNginx } from './nginx-process.ts';
import { startCluster } from './start-cluster.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

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
    // S3_* set: the server reads them from the environment the instances inherit.
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
