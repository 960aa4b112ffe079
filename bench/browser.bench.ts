/**
 * Browser upload benchmark: the web client in headless Chromium against curl, on the same server,
 * in the same run.
 *
 * Starts the API server (embedded drivers, serving web/dist, which it builds when missing or older
 * than web/src), signs in through the page, then in alternating rounds uploads one file (1 GiB of
 * random bytes by default)
 *   - through the page: the "Upload files" button, the file picked in its chooser, timed from
 *     choosing the file until the upload shows as done and the file is listed (a resumable session:
 *     parts in parallel, then complete);
 *   - with curl: the simple upload, PUT /api/v1/folders/root/files/<name>?onConflict=replace;
 *   - Chromium alone, as a reference: a bare page served by nginx PUTs the same file to nginx (dav
 *     module) in the parts the server would use, 4 at a time, by XMLHttpRequest as the web client
 *     does. That is as fast as Chromium can send the file on this machine, whatever the server.
 * Checks the size and SHA-256 the server recorded for every upload, and prints medians, the
 * browser/curl ratio against the target, and the CPU time the server and each client spent per
 * GiB. Writes the same as JSON to bench/results/browser-latest.json.
 *
 * Environment:
 *   BENCH_SIZE_MIB   file size in MiB (default 1024)
 *   BENCH_ROUNDS     rounds (default 3)
 *   BENCH_TMPDIR     where the temporary directory goes (default the OS temp dir); needs ~3× the size free
 *   CHROMIUM_PATH    the Chromium binary (default /usr/bin/chromium)
 *   BENCH_CPU_PROF   a directory: run the API server with --cpu-prof and write its profile there
 *
 * Exit status: 0 when the benchmark ran (even if the target is missed), 1 on any error.
 */
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../web/test/harness.ts';
import {
  type ApiHandle,
  type ApiNode,
  apiJson,
  BenchError,
  cpuSeconds,
  curlSimpleUpload,
  fmt,
  MiB,
  machine,
  makeRandomFile,
  makeTempDir,
  median,
  positiveInt,
  printMachine,
  REPO,
  RESULTS_DIR,
  requireCurl,
  requireNginx,
  run,
  runBenchmark,
  settle,
  startApi,
  startNginx,
  stopChild,
  table,
  tail,
  USER_HZ,
  version,
  withChildren,
} from './support.ts';

const TARGET_RATIO = 0.7;
const SIZE_MIB = positiveInt('BENCH_SIZE_MIB', 1024);
const ROUNDS = positiveInt('BENCH_ROUNDS', 3);
const SIZE = SIZE_MIB * MiB;
const CHROMIUM = process.env.CHROMIUM_PATH?.trim() || '/usr/bin/chromium';
const WEB_DIST = path.join(REPO, 'web', 'dist');
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF?.trim()
  ? path.resolve(process.env.BENCH_CPU_PROF.trim())
  : undefined;
/** Parts the web client keeps in flight (web/src/features/uploads/upload-manager.ts). */
const PARTS_IN_FLIGHT = 4;

type Client = 'browser' | 'curl' | 'chromium-nginx';

interface Upload {
  round: number;
  client: Client;
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  /** CPU time (user + system, all threads) of the API server during the upload. */
  serverCpuSeconds: number;
  /** CPU time of the client: every Chromium process, or curl. */
  clientCpuSeconds: number;
  /** The same by Chromium's process roles (browser, renderer, utility: the network service, …). */
  clientCpuByRole: Record<string, number>;
  syncSeconds: number;
  /** Browser uploads: where the time went. */
  phases?: PagePhases;
}

// ---------------------------------------------------------------------------------------------
// The web client's build

/** The newest modification time of the files under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds web/dist when it is missing or older than the sources, so the run measures the code as it is. */
async function ensureWebBuild() {
  const index = path.join(WEB_DIST, 'index.html');
  const sources = path.join(REPO, 'web', 'src');
  const stale = !existsSync(index) || statSync(index).mtimeMs < newestMtime(sources);
  if (!stale) return;
  process.stdout.write('building the web client (npm run build -w web)… ');
  const started = performance.now();
  const result = await run('npm', ['--prefix', path.join(REPO, 'web'), 'run', 'build']);
  if (result.code !== 0)
    throw new BenchError(`npm run build -w web failed:\n${result.stdout}${result.stderr}`);
  console.log(`${fmt((performance.now() - started) / 1000)} s`);
}

// ---------------------------------------------------------------------------------------------
// CPU time of the clients

/** Every process below `root` (Chromium's browser, renderer, GPU and network processes). */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([pid]) => pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/**
 * Chromium's processes by their role: `browser`, `renderer`, `gpu-process`, `network` (the network
 * service), `storage` (which serves the file's bytes to it)…
 */
function chromiumRoles(pids: number[]): Map<string, number[]> {
  const roles = new Map<string, number[]>();
  for (const pid of pids) {
    let role = 'other';
    try {
      // Chromium rewrites its command line into one string: match, don't split.
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const type = /--type=(\S+)/.exec(command)?.[1];
      const service = /--utility-sub-type=(\w+)/.exec(command)?.[1];
      if (/chrom/i.test(command)) role = service ?? type ?? 'browser';
    } catch {}
    roles.set(role, [...(roles.get(role) ?? []), pid]);
  }
  return roles;
}

/** CPU seconds of this process's children that have exited and been waited for (curl): cutime + cstime. */
function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / USER_HZ;
}

// ---------------------------------------------------------------------------------------------
// The page

async function signIn(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Upload files' }).waitFor();
}

/** Where a page upload's time went (seconds), from the page's resource timings of its requests. */
interface PagePhases {
  /** From choosing the file to the request that opens the session. */
  startSeconds: number;
  /** POST /uploads. */
  createSeconds: number;
  /** From the first part's request to the last part's answer. */
  partsSeconds: number;
  partCount: number;
  /** The slowest part, request to answer. */
  slowestPartSeconds: number;
  /** POST /uploads/<id>/complete. */
  completeSeconds: number;
  /** From the answer of complete until the page showed the upload done and the file listed. */
  listedSeconds: number;
}

function describePhases(p: PagePhases): string {
  return (
    `to the session ${fmt(p.startSeconds, 2)} s, create ${fmt(p.createSeconds, 2)} s,` +
    ` ${p.partCount} parts ${fmt(p.partsSeconds, 2)} s (slowest ${fmt(p.slowestPartSeconds, 2)} s),` +
    ` complete ${fmt(p.completeSeconds, 2)} s, until listed ${fmt(p.listedSeconds, 2)} s`
  );
}

/** The page's resource timings of its upload requests since `since` (the page's clock, ms). */
async function uploadRequests(page: Page, since: number) {
  return page.evaluate(
    (since) =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => entry.startTime >= since && /\/api\/v1\/uploads/.test(entry.name))
        .map((entry) => ({
          path: new URL(entry.name).pathname,
          start: entry.startTime,
          end: (entry as PerformanceResourceTiming).responseEnd,
        })),
    since,
  );
}

function pagePhases(
  requests: { path: string; start: number; end: number }[],
  pickedAt: number,
  listedAt: number,
): PagePhases {
  const create = requests.find((r) => r.path.endsWith('/uploads'));
  const complete = requests.find((r) => r.path.endsWith('/complete'));
  const parts = requests.filter((r) => /\/parts\/\d+$/.test(r.path));
  if (create === undefined || complete === undefined || parts.length === 0) {
    throw new BenchError(`the page's upload requests are not all there: ${JSON.stringify(requests)}`);
  }
  const s = (ms: number) => Number((ms / 1000).toFixed(3));
  const partsStart = Math.min(...parts.map((r) => r.start));
  const partsEnd = Math.max(...parts.map((r) => r.end));
  return {
    startSeconds: s(create.start - pickedAt),
    createSeconds: s(create.end - create.start),
    partsSeconds: s(partsEnd - partsStart),
    partCount: parts.length,
    slowestPartSeconds: s(Math.max(...parts.map((r) => r.end - r.start))),
    completeSeconds: s(complete.end - complete.start),
    listedSeconds: s(listedAt - complete.end),
  };
}

/**
 * Uploads `file` through the page's "Upload files" button and its file chooser. Timed from
 * choosing the file until its upload shows as done and the file is in the folder's list.
 */
async function uploadThroughPage(page: Page, file: string, timeoutMs: number) {
  const name = path.basename(file);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Upload files' }).click();
  const picked = await chooser;
  // Room for every part's timing (the default buffer holds 250 entries).
  const pickedAt = await page.evaluate(() => {
    performance.clearResourceTimings();
    performance.setResourceTimingBufferSize(100_000);
    return performance.now();
  });
  // Watched in the page as its DOM changes: a locator's waitFor polls every 500 ms after a second,
  // and polling on every frame would add work to the page being measured.
  const watch = await page.evaluateHandle((name) => {
    const row = `[data-testid="upload-row"][aria-label="Upload of ${CSS.escape(name)}"]`;
    const listed = `[data-testid="node-row"][data-name="${CSS.escape(name)}"]`;
    const outcome = new Promise<{ failed: string | null; at: number }>((resolve) => {
      const observer = new MutationObserver(() => {
        const status = document.querySelector(row)?.getAttribute('data-status');
        if (status === 'failed') resolve({ failed: document.querySelector(row)?.textContent ?? '', at: 0 });
        else if (status === 'done' && document.querySelector(listed) !== null)
          resolve({ failed: null, at: performance.now() });
        else return;
        observer.disconnect();
      });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    return { outcome };
  }, name);
  await picked.setFiles(file);
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    watch.evaluate((w) => w.outcome),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BenchError(`the page's upload of ${name} did not finish in ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  if (result.failed !== null) throw new BenchError(`the page's upload of ${name} failed: ${result.failed}`);
  const listedAt = result.at;
  const seconds = (listedAt - pickedAt) / 1000;
  const phases = pagePhases(await uploadRequests(page, pickedAt), pickedAt, listedAt);
  return { seconds, phases };
}

// ---------------------------------------------------------------------------------------------
// Chromium alone: a bare page that sends the file to nginx as the web client sends parts

const BARE_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Chromium upload reference</title>
<input type="file" id="file">
<script>
  // The file in parts of partSize bytes, \`parallel\` at a time, by XMLHttpRequest with a Blob body
  // and an upload progress listener: what the web client's part transfer does, minus the app.
  window.sendParts = async (partSize, parallel, prefix) => {
    const file = document.getElementById('file').files[0];
    const count = Math.ceil(file.size / partSize);
    let next = 0;
    const started = performance.now();
    async function worker() {
      for (let n = next++; n < count; n = next++) {
        await new Promise((resolve, reject) => {
          const xhr = new XMLHttpRequest();
          xhr.open('PUT', prefix + '/part-' + (n + 1));
          xhr.upload.onprogress = () => {};
          xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error('part ' + (n + 1) + ': ' + xhr.status)));
          xhr.onerror = () => reject(new Error('part ' + (n + 1) + ': connection failed'));
          xhr.send(file.slice(n * partSize, Math.min(file.size, (n + 1) * partSize)));
        });
      }
    }
    await Promise.all(Array.from({ length: parallel }, worker));
    return { seconds: (performance.now() - started) / 1000, count };
  };
</script>
`;

/** The part size the server gives a session for `size` bytes (a session opened and aborted). */
async function serverPartSize(api: ApiHandle, size: number): Promise<number> {
  const session = await apiJson<{ id: string; partSize: number }>(api, 'POST', '/uploads', 201, {
    parentId: 'root',
    name: 'part-layout.bin',
    size,
  });
  await apiJson(api, 'DELETE', `/uploads/${session.id}`, [200, 204]);
  return session.partSize;
}

/** Sends `file` from the bare page to nginx; checks the parts' sizes on disk, then deletes them. */
async function uploadToNginx(
  page: Page,
  file: string,
  partSize: number,
  www: string,
  upload: number,
): Promise<{ seconds: number }> {
  await page.locator('#file').setInputFiles(file);
  const prefix = `/upload-${upload}`;
  const { seconds, count } = await page.evaluate(
    ([partSize, prefix, parallel]) =>
      (
        window as unknown as {
          sendParts: (
            size: number,
            parallel: number,
            prefix: string,
          ) => Promise<{ seconds: number; count: number }>;
        }
      ).sendParts(partSize, parallel, prefix),
    [partSize, prefix, PARTS_IN_FLIGHT] as const,
  );
  const dir = path.join(www, prefix);
  const stored = readdirSync(dir).reduce((total, name) => total + statSync(path.join(dir, name)).size, 0);
  const size = statSync(file).size;
  if (stored !== size) throw new BenchError(`nginx stored ${stored} bytes of ${count} parts, sent ${size}`);
  rmSync(dir, { recursive: true });
  return { seconds };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  if (['1', 'true', 'yes'].includes(process.env.BENCH_S3?.trim().toLowerCase() ?? '')) {
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
  const tmp = await makeTempDir('fileshare-bench-browser-');
  const sourceFile = path.join(tmp, 'source.bin');
  const warmFile = path.join(tmp, 'warm.bin');
  const responseFile = path.join(tmp, 'response.json');
  const picksDir = path.join(tmp, 'picks');
  mkdirSync(picksDir);

  console.log(`Fileshare browser upload benchmark: ${SIZE_MIB} MiB × ${ROUNDS} rounds, Chromium vs curl`);
  printMachine(info, `node ${info.serverNode} (server), ${info.chromium}`, tmp);

  process.stdout.write(`generating ${SIZE_MIB} MiB of random data… `);
  let started = performance.now();
  const sourceSha256 = makeRandomFile(sourceFile, SIZE);
  const warmSha256 = makeRandomFile(warmFile, 4 * MiB);
  console.log(`${fmt((performance.now() - started) / 1000)} s`);

  const api = await startApi(tmp, { env: { WEB_DIR: WEB_DIST }, cpuProfDir: CPU_PROF_DIR });
  const apiHandle: ApiHandle = { url: api.url, token: api.token };
  const nginxDir = path.join(tmp, 'nginx');
  const nginx = await startNginx(nginxDir);
  const nginxWww = path.join(nginxDir, 'www');
  writeFileSync(path.join(nginxWww, 'upload.html'), BARE_PAGE);
  const nginxPids = withChildren(nginx.child.pid ?? 0);
  const partSize = await serverPartSize(apiHandle, SIZE);
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
  await barePage.goto(`${nginx.url}/upload.html`);

  // Never faster than 1 MiB/s on loopback: anything slower is a hang.
  const uploadTimeoutMs = Math.max(120_000, SIZE_MIB * 1000);

  /** The file the server recorded under `name` in the root folder, checked, then deleted for good. */
  async function checkAndPurge(name: string, size: number, sha256: string, what: string) {
    const listing = await apiJson<{ children: (ApiNode & { name: string })[] }>(
      apiHandle,
      'GET',
      '/folders/root?limit=1000',
      200,
    );
    const node = listing.children.find((child) => child.name === name);
    if (node?.id === undefined) throw new BenchError(`${what}: ${name} is not in the folder`);
    if (node.size !== size)
      throw new BenchError(`${what}: the API recorded ${node.size} bytes, sent ${size}`);
    if (node.sha256 !== sha256) {
      throw new BenchError(`${what}: the API's SHA-256 ${node.sha256} is not the file's ${sha256}`);
    }
    await apiJson(apiHandle, 'DELETE', `/nodes/${node.id}`, [200, 204]);
    await apiJson(apiHandle, 'DELETE', `/trash/${node.id}`, [200, 204]);
  }

  let picks = 0;
  /** One upload by `client`, with the CPU time of the server and the client around it; not checked. */
  async function upload(client: Client, file: string, size: number, sha256: string, what: string) {
    // The page picks a file by its name, so each pick is a hard link of its own to the same bytes.
    const name = `${client}-${++picks}.bin`;
    const pick = path.join(picksDir, name);
    if (client === 'browser') linkSync(file, pick);
    const serverPids = client === 'chromium-nginx' ? nginxPids : [api.pid];
    const roles = chromiumRoles(
      descendants(process.pid).filter((p) => p !== api.pid && !nginxPids.includes(p)),
    );
    const clientCpu = (): Record<string, number> =>
      client === 'curl'
        ? { curl: reapedChildrenCpuSeconds() }
        : Object.fromEntries([...roles].map(([role, pids]) => [role, cpuSeconds(pids)]));
    const serverBefore = cpuSeconds(serverPids);
    const clientBefore = clientCpu();
    const { seconds, phases } =
      client === 'browser'
        ? await uploadThroughPage(page, pick, uploadTimeoutMs)
        : client === 'chromium-nginx'
          ? { ...(await uploadToNginx(barePage, file, partSize, nginxWww, picks)), phases: undefined }
          : {
              ...(await curlSimpleUpload(api, file, name, { size, sha256 }, responseFile, what)),
              phases: undefined,
            };
    const serverCpu = cpuSeconds(serverPids) - serverBefore;
    const clientCpuByRole = Object.fromEntries(
      Object.entries(clientCpu()).map(([role, after]) => [
        role,
        Number((after - (clientBefore[role] ?? 0)).toFixed(2)),
      ]),
    );
    const syncSeconds = await settle();
    if (client !== 'chromium-nginx') await checkAndPurge(name, size, sha256, what);
    if (client === 'browser') await page.getByRole('button', { name: 'Clear', exact: true }).click();
    const clientCpuSeconds = Object.values(clientCpuByRole).reduce((sum, cpu) => sum + cpu, 0);
    return { seconds, phases, serverCpu, clientCpuSeconds, clientCpuByRole, syncSeconds };
  }

  // Warm-up: routes, JIT, the page's code paths.
  for (const client of ['browser', 'curl', 'chromium-nginx'] as const) {
    for (let i = 0; i < 2; i++) await upload(client, warmFile, 4 * MiB, warmSha256, `warm-up ${client}`);
  }
  await settle();

  const uploads: Upload[] = [];
  started = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    // Which client goes first rotates.
    const clients: Client[] = ['browser', 'curl', 'chromium-nginx'];
    const order = clients.map((_, i) => clients[(i + round - 1) % clients.length] as Client);
    for (const client of order) {
      const result = await upload(client, sourceFile, SIZE, sourceSha256, `round ${round} ${client} upload`);
      const entry: Upload = {
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
      uploads.push(entry);
      console.log(
        `  round ${round} ${client.padEnd(14)} ${fmt(entry.mibPerSecond).padStart(7)} MiB/s  ${fmt(entry.seconds, 2).padStart(6)} s` +
          `  server CPU ${fmt(entry.serverCpuSeconds, 2).padStart(5)} s  client CPU ${fmt(entry.clientCpuSeconds, 2).padStart(5)} s` +
          (entry.phases === undefined
            ? ''
            : `\n      (${describePhases(entry.phases)};` +
              ` client CPU ${Object.entries(entry.clientCpuByRole)
                .map(([role, cpu]) => `${role} ${fmt(cpu, 2)} s`)
                .join(', ')})`),
      );
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  await browser.close();
  // Stopped gently, so that a CPU profile gets written.
  await stopChild(api.child, 'SIGTERM');
  await stopChild(nginx.child, 'SIGQUIT');
  const apiLog = tail(api.logFile, 20);

  const GiB = 1024 * MiB;
  const summaryOf = (client: Client) => {
    const series = uploads.filter((u) => u.client === client);
    return {
      miBps: median(series.map((u) => u.mibPerSecond)),
      seconds: median(series.map((u) => u.seconds)),
      serverCpuSecondsPerGiB: median(series.map((u) => u.serverCpuSeconds / (u.bytes / GiB))),
      clientCpuSecondsPerGiB: median(series.map((u) => u.clientCpuSeconds / (u.bytes / GiB))),
    };
  };
  const browserSummary = summaryOf('browser');
  const curlSummary = summaryOf('curl');
  const chromiumSummary = summaryOf('chromium-nginx');
  const ratio = browserSummary.miBps / curlSummary.miBps;
  const ceiling = chromiumSummary.miBps / curlSummary.miBps;
  const ofCeiling = browserSummary.miBps / chromiumSummary.miBps;
  const pass = ratio >= TARGET_RATIO;

  console.log(
    `\nResults: ${SIZE_MIB} MiB file, ${ROUNDS} rounds, medians (${fmt(elapsed, 0)} s of uploads)\n`,
  );
  console.log(
    table([
      ['upload', 'MiB/s', 's', 'server (or nginx) CPU s/GiB', 'client CPU s/GiB'],
      ...(
        [
          ['browser (page, resumable session)', browserSummary],
          ['curl (simple upload, one PUT)', curlSummary],
          ['Chromium alone → nginx (same parts, bare page)', chromiumSummary],
        ] as const
      ).map(([label, s]) => [
        label,
        fmt(s.miBps),
        fmt(s.seconds, 2),
        fmt(s.serverCpuSecondsPerGiB, 2),
        fmt(s.clientCpuSecondsPerGiB, 2),
      ]),
    ]),
  );
  const phases = uploads.flatMap((u) => (u.phases === undefined ? [] : [u.phases]));
  const phaseMedians = Object.fromEntries(
    Object.keys(phases[0] ?? {}).map((key) => [key, median(phases.map((p) => p[key as keyof PagePhases]))]),
  ) as unknown as PagePhases;
  console.log(`browser, where the time went (medians): ${describePhases(phaseMedians)}`);
  console.log(
    `\nbrowser / curl ${fmt(ratio, 2)}× (target ≥ ${fmt(TARGET_RATIO, 1)}×): ${pass ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `context: Chromium alone → nginx / curl ${fmt(ceiling, 2)}× (the most a page reaches here);` +
      ` browser / Chromium alone ${fmt(ofCeiling, 2)}×`,
  );
  if (apiLog.trim() !== '') console.log(`\nAPI server log (warnings and errors):\n${apiLog}`);

  const report = {
    benchmark: 'browser',
    machine: info,
    settings: { sizeMiB: SIZE_MIB, rounds: ROUNDS },
    browser: { ...browserSummary, phases: phaseMedians },
    curl: curlSummary,
    chromiumToNginx: chromiumSummary,
    context: { chromiumToNginxOverCurl: ceiling, browserOverChromiumToNginx: ofCeiling },
    target: { ratio: TARGET_RATIO, measured: ratio, pass },
    uploads,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, 'browser-latest.json');
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), out) || out}`);
  if (CPU_PROF_DIR !== undefined) console.log(`CPU profile of the API server in ${CPU_PROF_DIR}`);
}

runBenchmark(main);
