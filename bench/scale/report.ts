/** The scale benchmark's tables: the tree, searches, listings, tree changes and the name index. */
import { fmt, human, median, table, verdict } from '../support/report.ts';
import type { RunResult } from './run.ts';
import { TARGETS } from './settings.ts';

const count = (n: number) => n.toLocaleString('en');

export function printTables(runs: RunResult[]) {
  console.log('\n## The tree\n');
  console.log(
    table([
      ['database', 'nodes', 'big folder', 'moved subtree', 'written in s', 'rows/s'],
      ...runs.map((run) => [
        run.driver,
        count(run.tree.rows),
        count(run.shape.bigFolder),
        count(run.shape.movedSubtree),
        fmt(run.tree.seconds),
        count(Math.round(run.tree.rows / run.tree.seconds)),
      ]),
    ]),
  );

  console.log('\n## Latency through the API (ms, one request at a time)\n');
  const latencyRows = runs.flatMap((run) =>
    [
      ...run.searches.map((row) => ({ ...row, target: TARGETS.searchP99Ms })),
      ...run.listings.map((row) => ({ ...row, target: TARGETS.listingP99Ms })),
    ].map((row) => [
      run.driver,
      row.name,
      String(row.items),
      fmt(row.p50),
      fmt(row.p99),
      fmt(row.max),
      `< ${row.target}`,
      verdict(row.p99 < row.target),
    ]),
  );
  console.log(
    table([['database', 'request', 'items', 'p50', 'p99', 'max', 'target p99', 'verdict'], ...latencyRows]),
  );

  console.log('\n## Changes to a subtree of the big folder’s size (ms)\n');
  console.log(
    table([
      ['database', 'change', 'rounds', 'median', 'max', 'target', 'verdict'],
      ...runs.flatMap((run) =>
        run.changes.map((change) => {
          const max = Math.max(...change.ms);
          return [
            run.driver,
            change.name,
            String(change.ms.length),
            fmt(median(change.ms)),
            fmt(max),
            `< ${TARGETS.treeChangeMs}`,
            verdict(max < TARGETS.treeChangeMs),
          ];
        }),
      ),
    ]),
  );

  console.log('\n## The name index\n');
  console.log(
    table([
      [
        'database',
        'index size',
        'table size',
        'insert rows/s with it',
        'without it',
        'with / without',
        'built in s',
      ],
      ...runs.map(({ driver, indexCost: cost }) => {
        const size = (name: string) => human(cost.sizes.find((entry) => entry.name === name)?.bytes ?? 0);
        return [
          driver,
          size('nodes_name_search_idx'),
          size('nodes (table)'),
          count(Math.round(cost.withIndexRowsPerSecond)),
          count(Math.round(cost.withoutIndexRowsPerSecond)),
          `${fmt(cost.withIndexRowsPerSecond / cost.withoutIndexRowsPerSecond, 2)}×`,
          fmt(cost.buildSeconds),
        ];
      }),
    ]),
  );
  for (const { driver, indexCost } of runs) {
    console.log(
      `${driver}: ${indexCost.sizes.map((entry) => `${entry.name} ${human(entry.bytes)}`).join(', ')}`,
    );
  }
}
