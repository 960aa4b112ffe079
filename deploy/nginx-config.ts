import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The reviewed production configuration, which the cluster runs with a few lines rewritten. */
export const PRODUCTION_CONFIG = new URL('./nginx.conf', import.meta.url);

export interface LocalNginxOptions {
  /** Where nginx keeps its pid, logs and temporary files. */
  dir: string;
  port: number;
  /** The API instances, as host:port, with their weights (default 1 each). */
  upstreams: { address: string; weight?: number }[];
  /** The built web client (web/dist). */
  webDir: string;
  /** worker_processes; the production value is `auto`. */
  workers?: number | 'auto';
  accessLog?: boolean;
}

/**
 * deploy/nginx.conf made to run unprivileged on one machine: plain HTTP on 127.0.0.1:<port>, files
 * under `dir`, the given instances as the upstream. Each rewrite must match exactly once, so a change
 * to nginx.conf that the cluster can't follow fails loudly instead of drifting.
 */
export function localNginxConfig(
  options: LocalNginxOptions,
  template = readFileSync(PRODUCTION_CONFIG, 'utf8'),
) {
  const file = (name: string) => path.join(options.dir, name);
  const servers = options.upstreams
    .map(
      ({ address, weight = 1 }) => `    server ${address} weight=${weight} max_fails=2 fail_timeout=10s;\n`,
    )
    .join('');
  const rewrites: [RegExp, string][] = [
    // Run as root (a container, CI), nginx would drop its workers to `nobody`, who can't read the
    // private temp dir the cluster lives in; so they run as whoever runs the cluster.
    [
      /^worker_processes .*;$/m,
      `${process.getuid?.() === 0 ? `user ${os.userInfo().username};\n` : ''}worker_processes ${options.workers ?? 'auto'};`,
    ],
    [/^pid .*;$/m, `pid ${file('nginx.pid')};`],
    [/^error_log \S+ (\w+);$/m, `error_log ${file('error.log')} $1;`],
    [
      /^(\s*)access_log \S+ fileshare;$/m,
      options.accessLog === false ? '$1access_log off;' : `$1access_log ${file('access.log')} fileshare;`,
    ],
    [
      /^http \{\n/m,
      `http {\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((kind) => `  ${kind}_temp_path ${file(`${kind}_temp`)};\n`)
        .join('')}`,
    ],
    [/(upstream fileshare_api \{\n)(?:\s*server .*;\n)+/, `$1${servers}`],
    [/^ {2}# Plain HTTP only redirects to HTTPS\.\n {2}server \{[\s\S]*?\n {2}\}\n\n/m, ''],
    [/^(\s*)listen 443 ssl http2;\n\s*listen \[::\]:443 ssl http2;$/m, `$1listen 127.0.0.1:${options.port};`],
    [/^(\s*ssl_.*\n)+/m, ''],
    [/^\s*add_header Strict-Transport-Security .*\n/m, ''],
    [/^(\s*)root \S+;$/m, `$1root ${options.webDir};`],
  ];
  let config = template;
  for (const [pattern, replacement] of rewrites) {
    const global = new RegExp(pattern.source, `${pattern.flags}g`);
    const matches = config.match(global)?.length ?? 0;
    if (matches !== 1)
      throw new Error(
        `deploy/nginx.conf changed: ${pattern} matches ${matches} times, the cluster expects 1`,
      );
    config = config.replace(pattern, replacement);
  }
  return config;
}
