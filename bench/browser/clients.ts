/**
 * One upload by each client of the browser benchmark (the page, curl, Chromium alone to nginx), with
 * the CPU time of the server and of the client around it; the server's record of it is checked and
 * then purged, so the disk does not fill up.
 */
import { linkSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { type ApiHandle, type ApiNode, apiJson } from '../support/api-server.ts';
import { curlSimpleUpload } from '../support/curl.ts';
import { settle, type TestFile } from '../support/files.ts';
import { cpuSeconds, descendants, reapedChildrenCpuSeconds } from '../support/process-stats.ts';
import { BenchError } from '../support/processes.ts';
import { uploadToNginx } from './chromium-alone.ts';
import { uploadThroughPage } from './page-upload.ts';

export type Client = 'browser' | 'curl' | 'chromium-nginx';

export interface Clients {
  api: ApiHandle & { pid: number };
  nginx: { www: string; pids: number[] };
  page: Page;
  barePage: Page;
  partSize: number;
  /** Where each pick's hard link goes, and curl's answer. */
  dir: string;
  uploadTimeoutMs: number;
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

/** The file the server recorded under `name` in the root folder, checked, then deleted for good. */
async function checkAndPurge(api: ApiHandle, name: string, size: number, sha256: string, what: string) {
  const listing = await apiJson<{ children: (ApiNode & { name: string })[] }>(
    api,
    'GET',
    '/folders/root?limit=1000',
    200,
  );
  const node = listing.children.find((child) => child.name === name);
  if (node?.id === undefined) throw new BenchError(`${what}: ${name} is not in the folder`);
  if (node.size !== size) throw new BenchError(`${what}: the API recorded ${node.size} bytes, sent ${size}`);
  if (node.sha256 !== sha256) {
    throw new BenchError(`${what}: the API's SHA-256 ${node.sha256} is not the file's ${sha256}`);
  }
  await apiJson(api, 'DELETE', `/nodes/${node.id}`, [200, 204]);
  await apiJson(api, 'DELETE', `/trash/${node.id}`, [200, 204]);
}

let picks = 0;

/** One upload of `file` by `client`, with the CPU time of the server and of the client around it. */
export async function uploadBy(clients: Clients, client: Client, file: TestFile, what: string) {
  const { api, nginx, page } = clients;
  // The page picks a file by its name, so each pick is a hard link of its own to the same bytes.
  const name = `${client}-${++picks}.bin`;
  const pick = path.join(clients.dir, name);
  if (client === 'browser') linkSync(file.path, pick);
  const serverPids = client === 'chromium-nginx' ? nginx.pids : [api.pid];
  const roles = chromiumRoles(
    descendants(process.pid).filter((p) => p !== api.pid && !nginx.pids.includes(p)),
  );
  const clientCpu = (): Record<string, number> =>
    client === 'curl'
      ? { curl: reapedChildrenCpuSeconds() }
      : Object.fromEntries([...roles].map(([role, pids]) => [role, cpuSeconds(pids)]));
  const serverBefore = cpuSeconds(serverPids);
  const clientBefore = clientCpu();
  const responseFile = path.join(clients.dir, 'response.json');
  const { seconds, phases } =
    client === 'browser'
      ? await uploadThroughPage(page, pick, clients.uploadTimeoutMs)
      : client === 'chromium-nginx'
        ? {
            ...(await uploadToNginx(clients.barePage, file.path, clients.partSize, nginx.www, picks)),
            phases: undefined,
          }
        : { ...(await curlSimpleUpload(api, file, name, responseFile, what)), phases: undefined };
  const serverCpu = cpuSeconds(serverPids) - serverBefore;
  const clientCpuByRole = Object.fromEntries(
    Object.entries(clientCpu()).map(([role, after]) => [
      role,
      Number((after - (clientBefore[role] ?? 0)).toFixed(2)),
    ]),
  );
  const syncSeconds = await settle();
  if (client !== 'chromium-nginx') await checkAndPurge(api, name, file.size, file.sha256, what);
  if (client === 'browser') await page.getByRole('button', { name: 'Clear', exact: true }).click();
  const clientCpuSeconds = Object.values(clientCpuByRole).reduce((sum, cpu) => sum + cpu, 0);
  return { seconds, phases, serverCpu, clientCpuSeconds, clientCpuByRole, syncSeconds };
}
