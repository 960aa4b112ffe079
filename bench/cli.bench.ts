/**
 * Command-line client benchmark (`npm run bench:cli`): `fileshare put` of a large file against
 * curl's simple upload to the same API server in the same run, and `fileshare put` of a folder of
 * many small files (files/s) against curl sending them one by one. With BENCH_S3=1 the server keeps
 * its blobs on S3 (Ceph RGW), the put's parts go to presigned URLs, and the bytes the API process
 * reads during each upload are counted too. See bench/README.md.
 */
import path from 'node:path';
import { fileshare } from './cli/fileshare.ts';
import { startS3 } from './cli/s3.ts';
import { apiJson, startApi } from './support/api-server.ts';
import { curlSimpleUpload, requireCurl } from './support/curl.ts';
import { makeSmallFiles, makeTestFiles, settle } from './support/files.ts';
import { countIo, type IoCounters } from './support/process-stats.ts';
import { makeTempDir, runBenchmark } from './support/processes.ts';
import { fmt, human, machine, median, mib, printMachine, table } from './support/report.ts';
import { flag, positiveInt, ROUNDS, SIZE } from './support/settings.ts';

const SMALL_FILES = positiveInt('BENCH_SMALL_FILES', 1000);
const SMALL_BYTES = 4096;
const S3 = flag('BENCH_S3');

runBenchmark(async () => {
  await requireCurl();
  const dir = await makeTempDir('fileshare-bench-cli-');
  printMachine(
    await machine(),
    'clients: curl, and fileshare (cli/)',
    dir,
    S3 ? 'server drivers: PGlite, in-process cache, blobs on S3 (Ceph RGW, objects in memory)' : undefined,
  );
  const env = S3 ? await startS3(SIZE, ROUNDS) : undefined;
  const api = await startApi(dir, env === undefined ? {} : { env });
  const { source } = makeTestFiles(dir);
  const rows: string[][] = [['client', 'what', 'median s', 'MiB/s or files/s']];

  const curlSeconds: number[] = [];
  const cliSeconds: number[] = [];
  const curlIo: IoCounters[] = [];
  const cliIo: { partsSent: IoCounters; all: IoCounters }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await settle();
    const curlCount = countIo(api.pid);
    const curl = await curlSimpleUpload(
      api,
      source,
      'big-by-curl.bin',
      path.join(dir, 'answer.json'),
      'curl',
    );
    curlIo.push(curlCount());
    curlSeconds.push(curl.seconds);
    // A folder of its own each round: the same bytes already there would be skipped as unchanged.
    await apiJson(api, 'POST', '/folders', 201, { parentId: 'root', name: `round ${round}` });
    await settle();
    const args = ['put', source.path, `/round ${round}`];
    if (!S3) {
      cliSeconds.push(await fileshare(api.origin, api.token, [...args, '--quiet']));
      continue;
    }
    // With S3: the API's reads when the last part has arrived (its progress line), and in all.
    const cliCount = countIo(api.pid);
    let partsSent: IoCounters | undefined;
    const seconds = await fileshare(api.origin, api.token, args, (stderr) => {
      const sent = [...stderr.matchAll(/part \d+ of (\d+) sent/g)];
      if (partsSent === undefined && sent.length > 0 && sent.length === Number(sent[0]?.[1]))
        partsSent = cliCount();
    });
    const all = cliCount();
    cliSeconds.push(seconds);
    cliIo.push({ partsSent: partsSent ?? all, all });
    console.log(
      `  round ${round + 1}: curl ${fmt(curl.seconds, 2)} s, API read ${human(curlIo.at(-1)?.rchar ?? 0)}; ` +
        `fileshare put ${fmt(seconds, 2)} s, API read ${human(partsSent?.rchar ?? Number.NaN)} until the last part, ${human(all.rchar)} in all`,
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
  if (S3) printApiReads(source.size, curlIo, cliIo);
  console.log(
    `fileshare put / curl: ${fmt(median(curlSeconds) / median(cliSeconds), 2)}× for the large file, ` +
      `${fmt(curlMany / many, 2)}× for the small files`,
  );
});

/** With S3: what the API process read (and wrote) during each large upload, medians. */
function printApiReads(size: number, curl: IoCounters[], cli: { partsSent: IoCounters; all: IoCounters }[]) {
  const row = (what: string, series: IoCounters[]) => {
    const read = median(series.map((io) => io.rchar));
    return [
      what,
      human(read),
      `${fmt((100 * read) / size, 3)} %`,
      human(median(series.map((io) => io.wchar))),
    ];
  };
  console.log(
    table([
      ['upload of the large file', 'API read (rchar)', 'of the file', 'API wrote (wchar)'],
      row('curl, simple upload (through the API)', curl),
      row(
        'fileshare put, until its last part arrived',
        cli.map((io) => io.partsSent),
      ),
      row(
        'fileshare put, in all (completing checks the SHA-256)',
        cli.map((io) => io.all),
      ),
    ]),
  );
}
