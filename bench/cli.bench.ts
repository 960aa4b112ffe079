/**
 * Command-line client benchmark (`npm run bench:cli`): `fileshare put` of a large file against
 * curl's simple upload to the same API server in the same run, and `fileshare put` of a folder of
 * many small files (files/s) against curl sending them one by one. See bench/README.md.
 */
import path from 'node:path';
import { fileshare } from './cli/fileshare.ts';
import { apiJson, startApi } from './support/api-server.ts';
import { curlSimpleUpload, requireCurl } from './support/curl.ts';
import { makeSmallFiles, makeTestFiles, settle } from './support/files.ts';
import { makeTempDir, runBenchmark } from './support/processes.ts';
import { fmt, machine, median, mib, printMachine, table } from './support/report.ts';
import { positiveInt, ROUNDS } from './support/settings.ts';

const SMALL_FILES = positiveInt('BENCH_SMALL_FILES', 1000);
const SMALL_BYTES = 4096;

runBenchmark(async () => {
  await requireCurl();
  const dir = await makeTempDir('fileshare-bench-cli-');
  printMachine(await machine(), 'clients: curl, and fileshare (cli/)', dir);
  const api = await startApi(dir);
  const { source } = makeTestFiles(dir);
  const rows: string[][] = [['client', 'what', 'median s', 'MiB/s or files/s']];

  const curlSeconds: number[] = [];
  const cliSeconds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await settle();
    const curl = await curlSimpleUpload(
      api,
      source,
      'big-by-curl.bin',
      path.join(dir, 'answer.json'),
      'curl',
    );
    curlSeconds.push(curl.seconds);
    // A folder of its own each round: the same bytes already there would be skipped as unchanged.
    await apiJson(api, 'POST', '/folders', 201, { parentId: 'root', name: `round ${round}` });
    await settle();
    cliSeconds.push(
      await fileshare(api.origin, api.token, ['put', source.path, `/round ${round}`, '--quiet']),
    );
  }
  const big = mib(source.size);
  rows.push([
    'curl',
    `${fmt(big, 0)} MiB, simple upload`,
    fmt(median(curlSeconds), 2),
    fmt(big / median(curlSeconds)),
  ]);
  rows.push([
    'fileshare put',
    `${fmt(big, 0)} MiB, upload session`,
    fmt(median(cliSeconds), 2),
    fmt(big / median(cliSeconds)),
  ]);

  const { folder: small, files: smallFiles } = makeSmallFiles(dir, SMALL_FILES, SMALL_BYTES);
  await settle();
  const many = await fileshare(api.origin, api.token, ['put', small, '/', '--quiet']);
  const started = performance.now();
  for (const file of smallFiles)
    await curlSimpleUpload(
      api,
      file,
      `curl-${path.basename(file.path)}`,
      path.join(dir, 'answer.json'),
      'curl small',
    );
  const curlMany = (performance.now() - started) / 1000;
  rows.push([
    'curl, one by one',
    `${SMALL_FILES} files of 4 KiB`,
    fmt(curlMany, 2),
    fmt(SMALL_FILES / curlMany),
  ]);
  rows.push([
    'fileshare put',
    `${SMALL_FILES} files of 4 KiB (a folder)`,
    fmt(many, 2),
    fmt(SMALL_FILES / many),
  ]);
  console.log(table(rows));
  console.log(
    `fileshare put / curl: ${fmt(median(curlSeconds) / median(cliSeconds), 2)}× for the large file, ` +
      `${fmt(curlMany / many, 2)}× for the small files`,
  );
});
