/** The scale benchmark's tables: the tree, searches, listings, tree changes and the name index. */
import { fmt, human, median, table, verdict } from '../support/report.ts';
import { MiB } from '../support/settings.ts';
import type { PropfindSide } from './propfind.ts';
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

  printPropfinds(runs);

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

/** The PROPFIND of the big folder: medians of the timed rounds, the highest RSS growth of any. */
function printPropfinds(runs: RunResult[]) {
  console.log('\n## PROPFIND Depth 1 (allprop) of the big folder, /dav/ against rclone serve webdav\n');
  const rows = [
    [
      'database',
      'server',
      'responses',
      'first byte ms',
      'total ms',
      'MiB',
      'RSS before MiB',
      'RSS growth MiB (max)',
      'ours / rclone serve (total)',
      'target',
      'verdict',
    ],
  ];
  for (const run of runs) {
    const of = (side: PropfindSide) => run.propfinds.filter((answer) => answer.side === side);
    const timed = (side: PropfindSide) => of(side).filter((answer) => answer.round >= 0);
    const total = (side: PropfindSide) => median(timed(side).map((answer) => answer.totalMs));
    for (const side of ['fileshare', 'rclone serve'] as const) {
      const growth = Math.max(...of(side).map((answer) => answer.rssPeakMiB - answer.rssBeforeMiB));
      const ours = side === 'fileshare';
      rows.push([
        run.driver,
        side,
        count(of(side)[0]?.responses ?? 0),
        fmt(median(timed(side).map((answer) => answer.firstByteMs))),
        fmt(total(side)),
        fmt(median(timed(side).map((answer) => answer.bytes / MiB))),
        fmt(median(of(side).map((answer) => answer.rssBeforeMiB))),
        fmt(growth),
        ours ? `${fmt(total('fileshare') / total('rclone serve'), 2)}×` : '',
        ours ? `< ${TARGETS.propfindSeconds} s, < ${TARGETS.propfindRssGrowthMiB} MiB` : '',
        ours
          ? verdict(total(side) < TARGETS.propfindSeconds * 1000 && growth < TARGETS.propfindRssGrowthMiB)
          : '',
      ]);
    }
  }
  console.log(table(rows));
}
