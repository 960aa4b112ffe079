/**
 * The browser benchmark: in each round one file is uploaded by the page in Chromium, by curl's simple
 * upload, and by Chromium alone to nginx (the reference), in a rotating order; results.ts summarises.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchBrowser } from '../../web/test/harness.ts';
import { partSizeFor, startApi } from '../support/api-server.ts';
import { requireCurl } from '../support/curl.ts';
import { makeTestFiles, settle } from '../support/files.ts';
import { requireNginx, startNginx } from '../support/nginx.ts';
import { withChildren } from '../support/process-stats.ts';
import { makeTempDir, stopChild, tail, version } from '../support/processes.ts';
import { fmt, machine, printMachine } from '../support/report.ts';
import { CPU_PROF_DIR, flag, MiB, ROUNDS, SIZE, SIZE_MIB } from '../support/settings.ts';
import { openBarePage, PARTS_IN_FLIGHT } from './chromium-alone.ts';
import { type Client, type Clients, uploadBy } from './clients.ts';
import { signIn } from './page-upload.ts';
import { describeUpload, printResults, type Upload } from './results.ts';
import { ensureWebBuild, WEB_DIST } from './web-build.ts';

const CHROMIUM = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium';

export async function compareWithCurl() {
  if (flag('BENCH_S3')) {
    console.log('BENCH_S3 is set: the browser benchmark runs on the embedded drivers only, skipped');
    return;
  }
  await requireCurl();
  requireNginx();
  if (!existsSync(CHROMIUM)) {
    console.error(`Chromium is not installed (${CHROMIUM} is missing). Install it with:

    apt-get update && apt-get install -y chromium

(or point CHROMIUM_PATH at a Chromium binary).`);
    process.exit(1);
  }
  await ensureWebBuild();

  const info = { ...(await machine()), chromium: await version(CHROMIUM, ['--version']) };
  const dir = await makeTempDir('fileshare-bench-browser-');
  console.log(`Fileshare browser upload benchmark: ${SIZE_MIB} MiB × ${ROUNDS} rounds, Chromium vs curl`);
  printMachine(info, `node ${info.serverNode} (server), ${info.chromium}`, dir);
  const { source, warm } = makeTestFiles(dir);
  const picksDir = path.join(dir, 'picks');
  mkdirSync(picksDir);

  const api = await startApi(dir, { env: { WEB_DIR: WEB_DIST }, cpuProfDir: CPU_PROF_DIR });
  const nginx = await startNginx(path.join(dir, 'nginx'));
  const nginxPids = withChildren(nginx.child.pid);
  const partSize = await partSizeFor(api, SIZE);
  console.log(
    `API and web client on ${api.origin} (pid ${api.pid}), nginx on ${nginx.url} (pids ${nginxPids.join(', ')})`,
  );
  console.log(`parts of ${fmt(partSize / MiB, 0)} MiB, ${PARTS_IN_FLIGHT} in flight`);

  const browser = await launchBrowser();
  const context = await browser.newContext({ baseURL: api.origin, viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  await signIn(page, api.username, api.password);
  const barePage = await context.newPage();
  await openBarePage(barePage, nginx);
  const clients: Clients = {
    api,
    nginx: { www: nginx.www, pids: nginxPids },
    page,
    barePage,
    partSize,
    dir: picksDir,
    // Never slower than 1 MiB/s on loopback: anything slower is a hang.
    uploadTimeoutMs: Math.max(120_000, SIZE_MIB * 1000),
  };

  // Warm-up: routes, JIT, the page's code paths.
  for (const client of ['browser', 'curl', 'chromium-nginx'] as const) {
    for (let i = 0; i < 2; i++) await uploadBy(clients, client, warm, `warm-up ${client}`);
  }
  await settle();

  const uploads: Upload[] = [];
  const started = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    // Which client goes first rotates.
    const all: Client[] = ['browser', 'curl', 'chromium-nginx'];
    const order = all.map((_, i) => all[(i + round - 1) % all.length] as Client);
    for (const client of order) {
      const result = await uploadBy(clients, client, source, `round ${round} ${client} upload`);
      const upload: Upload = {
        round,
        client,
        bytes: SIZE,
        seconds: Number(result.seconds.toFixed(3)),
        mibPerSecond: SIZE_MIB / result.seconds,
        serverCpuSeconds: Number(result.serverCpu.toFixed(2)),
        clientCpuSeconds: Number(result.clientCpuSeconds.toFixed(2)),
        clientCpuByRole: result.clientCpuByRole,
        syncSeconds: Number(result.syncSeconds.toFixed(3)),
        ...(result.phases === undefined ? {} : { phases: result.phases }),
      };
      uploads.push(upload);
      console.log(describeUpload(upload));
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  await browser.close();
  // Stopped gently, so that a CPU profile gets written.
  await stopChild(api.child, 'SIGTERM');
  await stopChild(nginx.child, 'SIGQUIT');
  await printResults(info, uploads, elapsed, tail(api.logFile, 20));
  if (CPU_PROF_DIR !== undefined) console.log(`CPU profile of the API server in ${CPU_PROF_DIR}`);
}
