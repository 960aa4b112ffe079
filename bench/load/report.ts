/** The load benchmark's table: a row per run, and the verdict at the load that saturates one core. */
import { table } from '../support/report.ts';
import type { Row } from './measure.ts';
import { SATURATED_CORES, TARGET_P99_MS } from './settings.ts';

export function rowsTable(rows: Row[]): string {
  return table([
    [
      'instances',
      'cache',
      'workload',
      'conns',
      'req/s',
      'p50 ms',
      'p99 ms',
      'errors',
      'hit ratio',
      'API cores',
      'API ms/req',
      'PostgreSQL cores',
      'Redis cores',
      'nginx cores',
    ],
    ...rows.map((row) => [
      String(row.instances),
      row.cache,
      row.workload,
      String(row.connections),
      row.requestsPerSecond.toFixed(0),
      String(row.p50),
      String(row.p99),
      row.otherStatuses === ''
        ? String(row.errors + row.non2xx)
        : `${row.errors + row.non2xx} (${row.otherStatuses})`,
      row.hitRatio === null ? 'n/a' : `${(row.hitRatio * 100).toFixed(1)} %`,
      row.apiCores.toFixed(2),
      row.apiMsPerRequest.toFixed(2),
      row.postgresCores.toFixed(2),
      row.redisCores.toFixed(2),
      row.nginxCores.toFixed(2),
    ]),
  ]);
}

/** The verdict on the p99 target at the step that saturated one core. */
export function verdictOf(row: Row): string {
  const p99 = row.p99 < TARGET_P99_MS ? `PASS (p99 ${row.p99} ms)` : `FAIL (p99 ${row.p99} ms)`;
  return row.apiCores >= SATURATED_CORES ? p99 : `${p99}, but the API never reached ${SATURATED_CORES} cores`;
}
