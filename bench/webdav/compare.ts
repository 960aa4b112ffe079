/**
 * The WebDAV benchmark: in each round `rclone copy` sends a folder of small files and one large file
 * to the product's /dav/ (HTTP Basic with an app password) and to `rclone serve webdav`, the order
 * rotating, each copy after a `sync`; every copy is checked (files and bytes, the large file's
 * SHA-256). Then litmus runs against the reference.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { apiJson, startApi } from '../support/api-server.ts';
import { makeSmallFiles, makeTestFiles, settle, sha256Of } from '../support/files.ts';
import { cpuSeconds, monotonicUs } from '../support/process-stats.ts';
import { BenchError, makeTempDir, stopChild } from '../support/processes.ts';
import { fmt, machine, median, mib, printMachine, table, writeReport } from '../support/report.ts';
import { CPU_PROF_DIR, positiveInt, ROUNDS } from '../support/settings.ts';
import { litmusAgainst } from './litmus.ts';
import { type DavRemote, rcloneClient, requireRclone, startRcloneServe } from './rclone.ts';

const SMALL_FILES = positiveInt('BENCH_SMALL_FILES', 1000);
const SMALL_BYTES = 4096;
const SIDES = ['fileshare', 'rclone serve'] as const;
type Side = (typeof SIDES)[number];

interface Copy {
  side: Side;
  what: 'small' | 'large';
  round: number;
  seconds: number;
  serverCpuSeconds: number;
  startedUs: number;
  endedUs: number;
}

/** The large file's SHA-256 as /dav/ reports it (`oc:checksums` of a PROPFIND). */
async function davSha256(remote: DavRemote, target: string): Promise<string | undefined> {
  const response = await fetch(new URL(target, remote.url), {
    method: 'PROPFIND',
    headers: {
      authorization: `Basic ${Buffer.from(`${remote.user}:${remote.pass}`).toString('base64')}`,
      depth: '0',
      'content-type': 'application/xml',
    },
    body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:checksums/></d:prop></d:propfind>',
  });
  const text = await response.text();
  if (response.status !== 207)
    throw new BenchError(`PROPFIND ${target} answered ${response.status}: ${text}`);
  return /SHA256:([0-9a-f]{64})/i.exec(text)?.[1]?.toLowerCase();
}

export async function compareWithRcloneServe() {
  const rcloneVersion = await requireRclone();
  const dir = await makeTempDir('fileshare-bench-webdav-');
  const info = { ...(await machine()), rclone: rcloneVersion };
  console.log(
    `Fileshare WebDAV benchmark: rclone copy of ${SMALL_FILES} files of 4 KiB and of one large file × ${ROUNDS} rounds, /dav/ vs rclone serve webdav`,
  );
  printMachine(info, `node ${info.serverNode} (server), rclone ${rcloneVersion} (client and reference)`, dir);
  const { source } = makeTestFiles(dir);
  const small = makeSmallFiles(dir, SMALL_FILES, SMALL_BYTES);

  const api = await startApi(dir, { cpuProfDir: CPU_PROF_DIR });
  const { password } = await apiJson<{ password: string }>(api, 'POST', '/me/app-passwords', 201, {
    name: 'rclone',
    scope: 'read-write',
  });
  const ours: DavRemote = { url: `${api.origin}/dav/`, user: api.username, pass: password };
  const reference = await startRcloneServe(
    path.join(dir, 'rclone-serve'),
    'bench',
    randomBytes(18).toString('hex'),
  );
  console.log(`/dav/ on ${ours.url} (pid ${api.pid}), rclone serve webdav on ${reference.remote.url}`);
  const sides = {
    fileshare: { client: await rcloneClient(ours, dir), pid: api.pid },
    'rclone serve': {
      client: await rcloneClient(reference.remote, path.join(dir, 'rclone-serve')),
      pid: reference.child.pid,
    },
  } satisfies Record<Side, unknown>;

  const copies: Copy[] = [];
  const copy = async (side: Side, what: Copy['what'], round: number) => {
    const { client, pid } = sides[side];
    const target = `round-${round}/${what}`;
    const [from, count, bytes] =
      what === 'small'
        ? [small.folder, SMALL_FILES, SMALL_FILES * SMALL_BYTES]
        : [source.path, 1, source.size];
    await settle();
    const cpuBefore = cpuSeconds([pid]);
    const startedUs = monotonicUs();
    const seconds = await client.copy(from, target);
    const endedUs = monotonicUs();
    const serverCpuSeconds = cpuSeconds([pid]) - cpuBefore;
    const arrived = await client.size(target);
    if (arrived.count !== count || arrived.bytes !== bytes)
      throw new BenchError(
        `${side}: ${target} holds ${arrived.count} files, ${arrived.bytes} bytes; sent ${count}, ${bytes}`,
      );
    if (what === 'large') {
      const sha256 =
        side === 'fileshare'
          ? await davSha256(ours, `${target}/source.bin`)
          : await sha256Of(path.join(reference.served, target, 'source.bin'));
      if (sha256 !== source.sha256)
        throw new BenchError(`${side}: the large file's SHA-256 is ${sha256}, sent ${source.sha256}`);
    }
    console.log(
      `round ${round + 1} ${side.padEnd(12)} ${what.padEnd(5)} ${fmt(seconds, 2)} s, server CPU ${fmt(serverCpuSeconds, 2)} s`,
    );
    copies.push({ side, what, round, seconds, serverCpuSeconds, startedUs, endedUs });
  };

  // Warm-up (not counted): a copy of each kind to each side, so routes, JIT and caches are warm.
  for (const side of SIDES) await sides[side].client.copy(small.folder, 'warm-up');
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
    for (const what of ['small', 'large'] as const) for (const side of order) await copy(side, what, round);
  }

  const medianOf = (side: Side, what: Copy['what'], key: 'seconds' | 'serverCpuSeconds') =>
    median(copies.filter((c) => c.side === side && c.what === what).map((c) => c[key]));
  const rate = (side: Side, what: Copy['what']) =>
    (what === 'small' ? SMALL_FILES : mib(source.size)) / medianOf(side, what, 'seconds');
  const rows = [
    [
      'copy',
      'unit',
      'fileshare /dav/',
      'rclone serve',
      'ours / rclone serve',
      'server CPU s (ours / theirs)',
    ],
  ];
  for (const what of ['small', 'large'] as const) {
    rows.push([
      what === 'small' ? `${SMALL_FILES} files of 4 KiB` : `one file of ${fmt(mib(source.size), 0)} MiB`,
      what === 'small' ? 'files/s' : 'MiB/s',
      fmt(rate('fileshare', what)),
      fmt(rate('rclone serve', what)),
      `${fmt(rate('fileshare', what) / rate('rclone serve', what), 2)}×`,
      `${fmt(medianOf('fileshare', what, 'serverCpuSeconds'), 2)} / ${fmt(medianOf('rclone serve', what, 'serverCpuSeconds'), 2)}`,
    ]);
  }
  console.log(`\n${table(rows)}`);
  // rclone's client can be the limit for small files on both sides: the CPU each server spends says more.
  const perFile = (side: Side) => fmt((1000 * medianOf(side, 'small', 'serverCpuSeconds')) / SMALL_FILES, 1);
  console.log(
    `server CPU per small file (median copy): fileshare ${perFile('fileshare')} ms, rclone serve ${perFile('rclone serve')} ms`,
  );
  const loadAverageAtEnd = Number((os.loadavg()[0] ?? 0).toFixed(2));
  console.log(
    `load average (1 min): ${info.loadAverage1mAtStart} at the start, ${loadAverageAtEnd} at the end`,
  );

  await stopChild(api.child, 'SIGTERM');
  console.log('\nlitmus against rclone serve webdav…');
  const litmus = await litmusAgainst(reference.remote);
  console.log(`litmus: ${litmus.failed} of ${litmus.run} tests failed against rclone serve webdav`);
  for (const line of litmus.failures) console.log(`  ${line.trim()}`);
  await writeReport('webdav', { machine: { ...info, loadAverageAtEnd }, copies, litmus });
}
