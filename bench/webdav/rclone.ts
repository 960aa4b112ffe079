/**
 * rclone, the WebDAV benchmark's one client and its reference server: `rclone copy` to a WebDAV
 * remote given by the environment (no config file of the user's is read), and `rclone serve webdav`
 * of a local directory.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../tools/processes.ts';
import { BenchError, run, track, version, waitFor } from '../support/processes.ts';

/** A WebDAV server as rclone sees it: its URL (ending in `/`) and the Basic credentials. */
export interface DavRemote {
  url: string;
  user: string;
  pass: string;
}

/** Stops with the apt command when rclone is missing; answers its version. */
export async function requireRclone(): Promise<string> {
  const line = await version('rclone', ['version']);
  if (line === 'unknown') {
    console.error(
      'rclone is not installed. Install it with:\n\n    apt-get update && apt-get install -y rclone\n',
    );
    process.exit(1);
  }
  return line.replace(/^rclone\s+/, '');
}

/** The environment that defines the remote `dav:` (vendor "other", as docs/webdav.md configures it). */
async function remoteEnv(remote: DavRemote, configFile: string): Promise<Record<string, string>> {
  const obscured = await run('rclone', ['obscure', remote.pass]);
  if (obscured.code !== 0) throw new BenchError(`rclone obscure failed: ${obscured.stderr.trim()}`);
  return {
    RCLONE_CONFIG: configFile,
    RCLONE_CONFIG_DAV_TYPE: 'webdav',
    RCLONE_CONFIG_DAV_URL: remote.url,
    RCLONE_CONFIG_DAV_VENDOR: 'other',
    RCLONE_CONFIG_DAV_USER: remote.user,
    RCLONE_CONFIG_DAV_PASS: obscured.stdout.trim(),
  };
}

/** Runs rclone with `args` against the remote `dav:`; answers its stdout and wall-clock seconds, or fails with its stderr. */
async function rclone(env: Record<string, string>, args: string[]) {
  const started = performance.now();
  const result = await run('rclone', args, env);
  if (result.code !== 0)
    throw new BenchError(`rclone ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  return { stdout: result.stdout, seconds: (performance.now() - started) / 1000 };
}

/** An rclone client of one WebDAV server: `copy` timed, `size` to check what arrived. */
export async function rcloneClient(remote: DavRemote, dir: string) {
  const configFile = path.join(dir, 'rclone.conf');
  writeFileSync(configFile, '');
  const env = await remoteEnv(remote, configFile);
  return {
    /** `rclone copy <source> dav:<target>` with rclone's defaults (4 transfers); answers its seconds. */
    copy: async (source: string, target: string) =>
      (await rclone(env, ['copy', source, `dav:${target}`, '--retries', '1'])).seconds,
    /** Files and bytes under `dav:<target>`, as rclone lists them. */
    size: async (target: string) => {
      const { stdout } = await rclone(env, ['size', `dav:${target}`, '--json']);
      return JSON.parse(stdout) as { count: number; bytes: number };
    },
  };
}

/** `rclone serve webdav` of `<dir>/served` on a free port, with Basic credentials as ours has. */
export async function startRcloneServe(dir: string, user: string, pass: string) {
  const served = path.join(dir, 'served');
  mkdirSync(served, { recursive: true });
  const port = await freePort();
  const logFile = path.join(dir, 'rclone-serve.log');
  const log = openSync(logFile, 'w');
  const child = track(
    spawn(
      'rclone',
      ['serve', 'webdav', served, '--addr', `127.0.0.1:${port}`, '--user', user, '--pass', pass],
      { stdio: ['ignore', log, log], env: { ...process.env, RCLONE_CONFIG: path.join(dir, 'none.conf') } },
    ),
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}/`;
  await waitFor(url, child, 'rclone serve webdav', logFile);
  return { child, served, remote: { url, user, pass } satisfies DavRemote };
}
