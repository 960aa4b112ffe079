/**
 * The transfer benchmark against nginx: in each round the file goes up five ways (the API's simple
 * upload, a session upload, nginx's PUT, the bare Node server's PUT, and the session's parts to the
 * bare Node server) and comes down four ways (the
 * API's download, a zip of it, nginx's, the bare Node server's), every time by curl, while the API
 * server's RSS is sampled; results.ts summarises.
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiJson, startApi } from '../support/api-server.ts';
import { startBareNode } from '../support/bare-node.ts';
import { requireCurl } from '../support/curl.ts';
import { makeTestFiles, settle, type TestFile } from '../support/files.ts';
import { nginxVersion, requireNginx, startNginx } from '../support/nginx.ts';
import { cpuSeconds, memory, RssSampler, resetPeakMemory, withChildren } from '../support/process-stats.ts';
import { makeTempDir, stopChild, tail } from '../support/processes.ts';
import { fmt, machine, mib, printMachine } from '../support/report.ts';
import { CPU_PROF_DIR, ROUNDS, SIZE, SIZE_MIB } from '../support/settings.ts';
import { download } from './download.ts';
import { measureTransfer, type Transfer } from './measure.ts';
import { printResults } from './results.ts';
import type { Servers, Side } from './servers.ts';
import { bareNodeParts, prepareParts, sessionUpload } from './session-upload.ts';
import { PARALLEL, SAMPLE_INTERVAL_MS } from './settings.ts';
import { simpleUpload } from './simple-upload.ts';
import { zipDownload } from './zip.ts';

/** Deletes a round's files: the API's for good (trashed, then purged), nginx's and bare Node's. */
async function removeRoundFiles(servers: Servers, apiIds: (string | undefined)[], name: string) {
  for (const id of apiIds) {
    if (id === undefined) continue;
    await apiJson(servers.api, 'DELETE', `/nodes/${id}`, [200, 204]);
    await apiJson(servers.api, 'DELETE', `/trash/${id}`, 204);
  }
  await rm(path.join(servers.nginx.www, name), { force: true });
  // Bare Node's copy, and its files of the session's parts (`<name>.<number>`).
  for (const file of await readdir(servers.node.www))
    if (file === name || file.startsWith(`${name}.`))
      await rm(path.join(servers.node.www, file), { force: true });
}

export async function compareWithNginx() {
  requireNginx();
  await requireCurl();
  const info = { ...(await machine()), nginx: await nginxVersion() };
  const dir = await makeTempDir('fileshare-bench-');
  console.log(`Fileshare transfer benchmark: ${SIZE_MIB} MiB × ${ROUNDS} rounds, API vs nginx, client curl`);
  printMachine(info, `node ${info.serverNode} (server), nginx ${info.nginx}`, dir);
  const { source, warm } = makeTestFiles(dir);

  const nginx = await startNginx(path.join(dir, 'nginx'));
  const node = await startBareNode(path.join(dir, 'bare-node'));
  const api = await startApi(dir, { cpuProfDir: CPU_PROF_DIR });
  const pid = api.pid;
  const nginxPids = withChildren(nginx.child.pid);
  console.log(
    `nginx on ${nginx.url} (pids ${nginxPids.join(', ')}), bare Node on ${node.url} (pid ${node.pid}), API on ${api.url} (pid ${pid})`,
  );
  const servers: Servers = { api, nginx, node, responseFile: path.join(dir, 'response.json') };

  const uploadSession = (file: TestFile, name: string, what: string) =>
    sessionUpload(api, file, name, dir, what, { parallel: PARALLEL, serverCpu: () => cpuSeconds([pid]) });

  // Cut the files into the server's part layout for the session uploads (not timed).
  await prepareParts(api, warm.path, warm.size, dir);
  await prepareParts(api, source.path, source.size, dir);

  // Warm-up: a few small uploads and downloads on each side, so that routes, JIT and caches are warm.
  for (const side of ['api', 'nginx', 'node'] as const) {
    for (let i = 0; i < 3; i++) {
      const { id } = await simpleUpload(servers, side, warm, 'warm.bin', `warm-up ${side} upload`);
      await download(servers, side, id, warm.size, `warm-up ${side} download`);
      if (side === 'api') await zipDownload(servers, id, warm.size, 'warm-up zip download');
    }
  }
  for (let i = 0; i < 3; i++) {
    await uploadSession(warm, 'warm-session.bin', 'warm-up session upload');
    await bareNodeParts(node, warm, 'warm-parts.bin', dir, 'warm-up bare Node parts', PARALLEL);
  }
  await settle();
  await sleep(1_000);

  const sampler = new RssSampler(pid, SAMPLE_INTERVAL_MS);
  const baseline = memory(pid, 'VmRSS') ?? 0;
  const hwmSinceStart = memory(pid, 'VmHWM') ?? 0;
  const hwmReset = resetPeakMemory(pid);
  sampler.start();
  console.log(
    `API server RSS after warm-up: ${fmt(mib(baseline))} MiB (VmHWM since start ${fmt(mib(hwmSinceStart))} MiB${hwmReset ? ', reset' : ''})`,
  );

  const watched = { apiPid: pid, nginxPids, nodePid: node.pid, sampler };
  const transfers: Transfer[] = [];
  const started = performance.now();
  // Rotate which transfer goes first, so none always gets the warmer (or cooler) machine.
  const rotated = <T>(sides: T[], round: number) => {
    const shift = (round - 1) % sides.length;
    return [...sides.slice(shift), ...sides.slice(0, shift)];
  };
  for (let round = 1; round <= ROUNDS; round++) {
    const uploadOrder = rotated<'api' | 'session' | 'nginx' | 'node' | 'node-parts'>(
      ['api', 'session', 'nginx', 'node', 'node-parts'],
      round,
    );
    const downloadOrder = rotated<'api' | 'zip' | 'nginx' | 'node'>(['api', 'zip', 'nginx', 'node'], round);
    const ids = new Map<Side, string>();
    // A new file each time on every side: replacing one would time the old one's deletion too (its
    // cached pages dropped, 0.6 s for 1 GiB here), which is not the transfer's cost.
    const name = `bench-${round}.bin`;
    for (const side of uploadOrder) {
      const what = `round ${round} ${side} upload`;
      const transfer = await measureTransfer(watched, round, 'upload', side, async () => {
        const result =
          side === 'session'
            ? await uploadSession(source, `session-${name}`, what)
            : side === 'node-parts'
              ? await bareNodeParts(node, source, name, dir, what, PARALLEL)
              : await simpleUpload(servers, side, source, name, what);
        ids.set(side, result.id);
        return result;
      });
      transfers.push(transfer);
    }
    for (const side of downloadOrder) {
      const what = `round ${round} ${side} download`;
      // The zip is of the file the API's simple upload stored.
      const id = ids.get(side === 'zip' ? 'api' : side) ?? '';
      transfers.push(
        await measureTransfer(watched, round, 'download', side, () =>
          side === 'zip' ? zipDownload(servers, id, SIZE, what) : download(servers, side, id, SIZE, what),
        ),
      );
    }
    // Not timed: the round's files go, so that the disk and the page cache hold one round's at most.
    await removeRoundFiles(servers, [ids.get('api'), ids.get('session')], name);
    await settle();
  }
  const elapsed = (performance.now() - started) / 1000;
  sampler.stop();
  const hwm = memory(pid, 'VmHWM') ?? 0;

  // Stop the server gracefully (so --cpu-prof can write its profile), then nginx.
  await stopChild(api.child, 'SIGTERM');
  await stopChild(nginx.child, 'SIGQUIT');
  await stopChild(node.child, 'SIGTERM');
  await printResults({
    info,
    transfers,
    elapsed,
    memory: { baseline, hwm, hwmReset, sampledPeak: sampler.peak, samples: sampler.samples },
    apiLog: tail(api.logFile, 20),
  });
  if (CPU_PROF_DIR !== undefined) console.log(`CPU profile of the API server in ${CPU_PROF_DIR}`);
}
