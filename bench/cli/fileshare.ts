/** The `fileshare` command of the command-line client, run as a user would, signed in by environment. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO, serverNode } from '../support/api-server.ts';
import { BenchError, track } from '../support/processes.ts';

const BIN = path.join(REPO, 'cli', 'bin', 'fileshare.js');

/**
 * Runs `fileshare …args` against the API at `url` with `token`; answers its wall-clock seconds.
 * `onStderr` hears all it has written to standard error so far, as it comes (its progress lines
 * without `--quiet`).
 */
export function fileshare(
  url: string,
  token: string,
  args: string[],
  onStderr?: (text: string) => void,
): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(serverNode(), [BIN, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, FILESHARE_URL: url, FILESHARE_TOKEN: token },
      }),
    );
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      onStderr?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new BenchError(`fileshare ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}
