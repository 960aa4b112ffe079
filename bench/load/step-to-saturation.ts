/**
 * The load benchmark: for each configuration (API instances × cache) the cluster of `npm run
 * cluster` is started on a fresh database, a private Redis and an s3rver; each workload then runs
 * with more and more connections until the API processes use SATURATED_CORES between them.
 */
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startCluster } from '../../deploy/start-cluster.ts';
import { createPostgresDatabase } from '../../server/test/services.ts';
import { startPrivateRedis } from '../../tools/redis.ts';
import { startS3rver } from '../../tools/s3rver.ts';
import { makeTempDir, onCleanUp } from '../support/processes.ts';
import { writeReport } from '../support/report.ts';
import { CPU_PROF_DIR } from '../support/settings.ts';
import { type Backing, measureLoad, type Row } from './measure.ts';
import { rowsTable, verdictOf } from './report.ts';
import {
  CACHES,
  type Cache,
  CONNECTIONS,
  DURATION,
  FILES,
  INSTANCES,
  SATURATED_CORES,
  TARGET_P99_MS,
  WORKLOADS,
} from './settings.ts';
import { drive, type Seeded, seed } from './workloads.ts';

async function startBacking(dir: string) {
  const postgres = await createPostgresDatabase();
  onCleanUp(postgres.drop);
  const s3 = await startS3rver(path.join(dir, 's3'), 'fileshare-load');
  onCleanUp(s3.close);
  const redisServer = await startPrivateRedis();
  onCleanUp(redisServer.stop);
  const redis = new Redis(redisServer.url);
  onCleanUp(async () => redis.disconnect());
  const monitor = new pg.Client({ connectionString: postgres.url });
  await monitor.connect();
  onCleanUp(() => monitor.end());
  const redisPid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);
  const backing: Backing = { monitor, redis, redisPid };
  return { postgresUrl: postgres.url, s3: s3.config, redisUrl: redisServer.url, backing };
}

export async function stepToSaturation() {
  const dir = await makeTempDir('fileshare-load-');
  const { postgresUrl, s3, redisUrl, backing } = await startBacking(dir);
  console.log(
    `Fileshare load benchmark: ${DURATION} s per run, stepping through ${CONNECTIONS.join(', ')} connections until the API uses ${SATURATED_CORES} cores, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`,
  );

  let data: Seeded | undefined;
  const rows: Row[] = [];
  for (const instances of INSTANCES) {
    for (const cache of CACHES) {
      const cluster = await startCluster({
        port: 0,
        instances,
        dir: path.join(dir, `${instances}-${cache}`),
        databaseUrl: postgresUrl,
        redisUrl: cache === 'redis' ? redisUrl : undefined,
        s3,
        nginxWorkers: 1,
        accessLog: false,
        env: {
          LOG_LEVEL: 'warn',
          CACHE_ENABLED: cache === 'none' ? 'false' : 'true',
          GC_INTERVAL_SECONDS: '0',
          LOGIN_LIMIT_PER_ACCOUNT: '1000000',
          LOGIN_LIMIT_PER_ADDRESS: '1000000',
          ...(CPU_PROF_DIR === undefined
            ? {}
            : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${CPU_PROF_DIR}` }),
        },
        log: (source, line) => {
          if (!/"level":(40|30)/.test(line)) process.stderr.write(`[${source}] ${line}\n`);
        },
      });
      try {
        if (data === undefined) {
          const started = Date.now();
          data = await seed(cluster.url);
          console.log(`seeded a folder of ${FILES} files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
        for (const workload of WORKLOADS) {
          await drive(cluster, workload, data, CONNECTIONS[0] ?? 1, 2);
          const steps: Row[] = [];
          for (const connections of CONNECTIONS) {
            const config: { instances: number; cache: Cache } = { instances, cache };
            const row = await measureLoad(backing, cluster, config, workload, data, connections);
            steps.push(row);
            rows.push(row);
            console.log(rowsTable([row]).split('\n').at(-1));
            if (row.apiCores >= SATURATED_CORES) break;
          }
          const saturation =
            steps.find((step) => step.apiCores >= SATURATED_CORES) ??
            steps.reduce((busiest, step) => (step.apiCores > busiest.apiCores ? step : busiest));
          saturation.saturation = true;
        }
      } finally {
        await cluster.stop();
      }
    }
  }
  console.log(`\nEvery step:\n${rowsTable(rows)}`);
  const saturated = rows.filter((row) => row.saturation);
  console.log(
    `\nAt the load that saturates one core (the fewest connections at which the API processes use ${SATURATED_CORES} cores), target p99 < ${TARGET_P99_MS} ms:\n${rowsTable(saturated)}`,
  );
  for (const row of saturated)
    console.log(`${row.instances} × ${row.cache} ${row.workload}: ${verdictOf(row)}`);
  await writeReport('load', {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    settings: {
      duration: DURATION,
      connections: CONNECTIONS,
      files: FILES,
      saturatedCores: SATURATED_CORES,
      targetP99Ms: TARGET_P99_MS,
    },
    rows,
  });
}
