import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findProgram } from '../tools/processes.ts';
import { ClusterError } from './cluster-error.ts';

export const NGINX_MISSING = `nginx is not installed. The cluster runs the machine's nginx; install it with:

    sudo apt-get update && sudo apt-get install -y nginx

(or set NGINX to the path of an nginx binary).`;

/** nginx from $NGINX, the PATH, or Debian's /usr/sbin. */
export function findNginx(explicit = process.env.NGINX?.trim()): string {
  if (explicit) {
    if (!existsSync(explicit))
      throw new ClusterError(`NGINX=${explicit} does not exist.\n\n${NGINX_MISSING}`);
    return explicit;
  }
  const found = findProgram('nginx', ['/usr/local/nginx/sbin']);
  if (found === undefined) throw new ClusterError(NGINX_MISSING);
  return found;
}

/**
 * Writes `config` to `dir`/nginx.conf, has nginx check it, and starts nginx on it in the
 * foreground, in a process group of its own; stop it with SIGQUIT to the group.
 */
export function spawnNginx(
  binary: string,
  dir: string,
  config: string,
): { child: ChildProcess; configPath: string } {
  mkdirSync(dir, { recursive: true });
  const configPath = path.join(dir, 'nginx.conf');
  writeFileSync(configPath, config);
  const args = ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', configPath];
  const check = spawnSync(binary, [...args, '-t'], { encoding: 'utf8' });
  if (check.status !== 0) throw new ClusterError(`nginx -t rejected ${configPath}:\n${check.stderr}`);
  const child = spawn(binary, [...args, '-g', 'daemon off;'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, configPath };
}
