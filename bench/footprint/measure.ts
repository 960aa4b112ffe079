/**
 * The footprint of the embedded default: time to ready, peak and idle RSS, V8 heap and threads, on a
 * fresh data directory and again on the one it made, then the RSS a large upload and download add.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pgliteDir } from '../../server/src/platform/database/database.ts';
import { serverStartFlags } from '../../tools/server-start.ts';
import { apiJson, serverNode } from '../support/api-server.ts';
import { curlDownload, curlSimpleUpload, requireCurl } from '../support/curl.ts';
import { makeRandomFile } from '../support/files.ts';
import { cpuSeconds } from '../support/process-stats.ts';
import { makeTempDir, stopChild, tail, track } from '../support/processes.ts';
import { startProduct, threads, treeMemory } from '../support/product-server.ts';
import { fmt, machine, median, mib, printMachine, table, verdict, writeReport } from '../support/report.ts';
import { RESIDENT_KINDS, type ResidentKind, residentByKind } from '../support/resident.ts';
import { MiB, positiveInt, ROUNDS, SIZE, SIZE_MIB } from '../support/settings.ts';
import { prepareParts, sessionUpload } from '../transfer/session-upload.ts';

/** How long the server is left alone before its idle RSS is read. */
const IDLE_SECONDS = positiveInt('BENCH_IDLE_S', 10);

const CHILD = fileURLToPath(new URL('./pglite-alone.child.mjs', import.meta.url));

const TARGETS = { readyFreshMs: 3_000, readyExistingMs: 1_000, peakMiB: 300, idleMiB: 150, transferMiB: 50 };

interface Account {
  username: string;
  password: string;
}

/** What a user does first: sign up or in, make a folder, upload a small file, list, search, download. */
async function lightUse(url: string, account: Account, fresh: boolean) {
  const { token } = await apiJson<{ token: string }>(
    { url, token: '' },
    'POST',
    fresh ? '/auth/register' : '/auth/login',
    fresh ? 201 : 200,
    account,
  );
  const api = { url, token };
  const name = `notes ${randomBytes(4).toString('hex')}`;
  await apiJson(api, 'POST', '/folders', 201, { parentId: 'root', name });
  const upload = await fetch(`${url}/folders/root/files/${encodeURIComponent(`${name}.txt`)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
    body: randomBytes(256 * 1024).toString('base64'),
  });
  const file = (await upload.json()) as { id: string };
  if (upload.status !== 201) throw new Error(`the small upload answered ${upload.status}`);
  await apiJson(api, 'GET', '/folders/root', 200);
  await apiJson(api, 'GET', `/search?q=${encodeURIComponent(name)}`, 200);
  const download = await fetch(`${url}/files/${file.id}/content`, {
    headers: { authorization: `Bearer ${token}` },
  });
  await download.arrayBuffer();
  return api;
}

/** One start: ready time, light use, the peak through both, and what it holds once idle. */
async function oneStart(dir: string, dataDir: string, account: Account, fresh: boolean) {
  const product = await startProduct(dataDir, path.join(dir, 'reports'), path.join(dir, 'server.log'));
  const api = await lightUse(product.url, account, fresh);
  const peakSampled = product.sampler.peak;
  const peakHwm = treeMemory(product.pid, 'VmHWM');
  await sleep(IDLE_SECONDS * 1000);
  const idle = treeMemory(product.pid, 'VmRSS');
  const resident = residentByKind(product.pid);
  const threadCount = threads(product.pid) ?? 0;
  const heap = await product.heap();
  const result = {
    fresh,
    readyMs: product.readyMs,
    peakMiB: mib(Math.max(peakSampled, peakHwm)),
    idleMiB: mib(idle),
    heapTotalMiB: heap.totalMiB,
    heapUsedMiB: heap.usedMiB,
    threads: threadCount,
    residentMiB: mibByKind(resident),
  };
  console.log(
    `${fresh ? 'fresh   ' : 'existing'}: ready ${fmt(result.readyMs, 0)} ms, peak ${fmt(result.peakMiB)} MiB, ` +
      `idle ${fmt(result.idleMiB)} MiB, heap ${fmt(heap.usedMiB)}/${fmt(heap.totalMiB)} MiB, ${threadCount} threads`,
  );
  return { product, api, result };
}

/**
 * The RSS above the idle baseline while curl streams `SIZE` bytes up (one PUT), down, and up again
 * through a session as the web client sends one (parts 4 at a time).
 */
async function transfer(
  product: Awaited<ReturnType<typeof startProduct>>,
  api: { url: string; token: string },
  dir: string,
) {
  const file = path.join(dir, 'big.bin');
  const source = { path: file, size: SIZE, sha256: makeRandomFile(file, SIZE) };
  await sleep(2_000);
  const baseline = treeMemory(product.pid, 'VmRSS');
  product.sampler.reset();
  if (product.child.exitCode !== null || product.child.signalCode !== null)
    throw new Error(
      `the server exited (${product.child.exitCode ?? product.child.signalCode}):\n${tail(path.join(dir, 'server.log'))}`,
    );
  const up = await curlSimpleUpload(api, source, 'big.bin', path.join(dir, 'upload.json'), 'upload');
  const uploadPeak = product.sampler.peak;
  product.sampler.reset();
  const down = await curlDownload(
    `${api.url}/files/${up.id}/content`,
    [`Authorization: Bearer ${api.token}`],
    'download',
  );
  if (down.bytes !== SIZE) throw new Error(`downloaded ${down.bytes} bytes of ${SIZE}`);
  const downloadPeak = product.sampler.peak;
  await prepareParts(api, file, SIZE, dir);
  product.sampler.reset();
  const session = await sessionUpload(api, source, 'big-session.bin', dir, 'session upload', {
    parallel: 4,
    serverCpu: () => cpuSeconds([product.pid]),
  });
  const sessionPeak = product.sampler.peak;
  const result = {
    baselineMiB: mib(baseline),
    uploadAddedMiB: mib(uploadPeak - baseline),
    uploadMiBs: SIZE / MiB / up.seconds,
    downloadAddedMiB: mib(downloadPeak - baseline),
    downloadMiBs: SIZE / MiB / down.seconds,
    sessionAddedMiB: mib(sessionPeak - baseline),
    sessionMiBs: SIZE / MiB / session.seconds,
  };
  console.log(
    `${SIZE_MIB} MiB: upload adds ${fmt(result.uploadAddedMiB)} MiB (${fmt(result.uploadMiBs, 0)} MiB/s), ` +
      `download adds ${fmt(result.downloadAddedMiB)} MiB (${fmt(result.downloadMiBs, 0)} MiB/s), ` +
      `a session upload adds ${fmt(result.sessionAddedMiB)} MiB (${fmt(result.sessionMiBs, 0)} MiB/s)`,
  );
  return result;
}

export async function measureFootprint() {
  await requireCurl();
  const dir = await makeTempDir('fileshare-footprint-');
  mkdirSync(path.join(dir, 'reports'));
  const info = await machine();
  printMachine(info, `server: node ${info.serverNode}, curl: ${info.curl}`, dir);
  const starts: Awaited<ReturnType<typeof oneStart>>['result'][] = [];
  let transferResult: Awaited<ReturnType<typeof transfer>> | undefined;
  for (let round = 1; round <= ROUNDS; round++) {
    const dataDir = path.join(dir, `data-${round}`);
    const account = { username: 'bench', password: randomBytes(18).toString('base64url') };
    const first = await oneStart(dir, dataDir, account, true);
    starts.push(first.result);
    await first.product.stop();
    const again = await oneStart(dir, dataDir, account, false);
    starts.push(again.result);
    if (round === ROUNDS) transferResult = await transfer(again.product, again.api, dir);
    await again.product.stop();
  }
  const bareNode = await aloneIdle(undefined);
  const pgliteAlone = await aloneIdle(pgliteDir(path.join(dir, `data-${ROUNDS}`)));
  const floor = { bareNodeMiB: bareNode.idleMiB, pgliteAloneMiB: pgliteAlone.idleMiB };
  console.log(
    `reference: idle RSS after ${IDLE_SECONDS} s of bare node ${fmt(floor.bareNodeMiB)} MiB, ` +
      `of PGlite alone as the server opens it ${fmt(floor.pgliteAloneMiB)} MiB (the same node flags)`,
  );
  const lastIdle = starts.at(-1)?.residentMiB;
  const residentRows = [
    ['resident after idling (MiB)', 'bare node', 'PGlite alone', 'server, existing data dir'],
    ...RESIDENT_KINDS.map((kind) => [
      kind,
      fmt(bareNode.residentMiB[kind]),
      fmt(pgliteAlone.residentMiB[kind]),
      lastIdle === undefined ? '' : fmt(lastIdle[kind]),
    ]),
  ];
  console.log(`\n${table(residentRows)}`);
  const of = (fresh: boolean, key: keyof (typeof starts)[number]) =>
    median(starts.filter((start) => start.fresh === fresh).map((start) => Number(start[key])));
  const peak = Math.max(...starts.map((start) => start.peakMiB));
  const rows = [
    ['', 'fresh data dir', 'existing data dir', 'target', 'verdict'],
    [
      'ready (ms, median)',
      fmt(of(true, 'readyMs'), 0),
      fmt(of(false, 'readyMs'), 0),
      '≤ 3000 / ≤ 1000',
      verdict(of(true, 'readyMs') <= TARGETS.readyFreshMs && of(false, 'readyMs') <= TARGETS.readyExistingMs),
    ],
    [
      'peak RSS, start + light use (MiB, highest)',
      fmt(Math.max(...starts.filter((s) => s.fresh).map((s) => s.peakMiB))),
      fmt(Math.max(...starts.filter((s) => !s.fresh).map((s) => s.peakMiB))),
      '≤ 300',
      verdict(peak <= TARGETS.peakMiB),
    ],
    [
      `idle RSS after ${IDLE_SECONDS} s (MiB, median)`,
      fmt(of(true, 'idleMiB')),
      fmt(of(false, 'idleMiB')),
      '≤ 150',
      verdict(Math.max(of(true, 'idleMiB'), of(false, 'idleMiB')) <= TARGETS.idleMiB),
    ],
    [
      'V8 heap used / total (MiB, median)',
      `${fmt(of(true, 'heapUsedMiB'))} / ${fmt(of(true, 'heapTotalMiB'))}`,
      `${fmt(of(false, 'heapUsedMiB'))} / ${fmt(of(false, 'heapTotalMiB'))}`,
      '',
      '',
    ],
    ['threads (median)', fmt(of(true, 'threads'), 0), fmt(of(false, 'threads'), 0), '', ''],
  ];
  if (transferResult !== undefined) {
    const { uploadAddedMiB, downloadAddedMiB, sessionAddedMiB } = transferResult;
    const worst = Math.max(uploadAddedMiB, downloadAddedMiB, sessionAddedMiB);
    rows.push([
      `RSS added by a ${SIZE_MIB} MiB upload / download / session upload (MiB)`,
      '',
      `${fmt(uploadAddedMiB)} / ${fmt(downloadAddedMiB)} / ${fmt(sessionAddedMiB)}`,
      '< 50',
      verdict(worst < TARGETS.transferMiB),
    ]);
  }
  console.log(`\n${table(rows)}`);
  await writeReport('footprint', {
    machine: info,
    idleSeconds: IDLE_SECONDS,
    targets: TARGETS,
    starts,
    transfer: transferResult,
    floor,
    floorResident: { bareNode: bareNode.residentMiB, pgliteAlone: pgliteAlone.residentMiB },
  });
}

const mibByKind = (bytes: Record<ResidentKind, number>) =>
  Object.fromEntries(RESIDENT_KINDS.map((kind) => [kind, mib(bytes[kind])])) as Record<ResidentKind, number>;

/**
 * The idle RSS of a process with the start script's node flags that opens only PGlite on the
 * existing cluster `clusterDir` (or nothing: bare node), `BENCH_IDLE_S` after it is ready, and where
 * it is resident.
 */
async function aloneIdle(clusterDir: string | undefined) {
  const flags = serverStartFlags();
  const child = track(
    spawn(serverNode(), [...flags, CHILD, ...(clusterDir === undefined ? [] : [clusterDir])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`the PGlite reference exited (${code})`)));
    });
    await sleep(IDLE_SECONDS * 1000);
    return {
      idleMiB: mib(treeMemory(child.pid as number, 'VmRSS')),
      residentMiB: mibByKind(residentByKind(child.pid as number)),
    };
  } finally {
    await stopChild(child, 'SIGTERM');
  }
}
