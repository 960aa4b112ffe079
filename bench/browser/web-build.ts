/** The web client's build, made afresh when the sources are newer, so the run measures the code as it is. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../support/api-server.ts';
import { BenchError, run } from '../support/processes.ts';
import { fmt } from '../support/report.ts';

export const WEB_DIST = path.join(REPO, 'web', 'dist');

/** The newest modification time of the files under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds web/dist when it is missing or older than a file under web/src. */
export async function ensureWebBuild() {
  const index = path.join(WEB_DIST, 'index.html');
  const stale = !existsSync(index) || statSync(index).mtimeMs < newestMtime(path.join(REPO, 'web', 'src'));
  if (!stale) return;
  process.stdout.write('building the web client (npm run build -w web)… ');
  const started = performance.now();
  const result = await run('npm', ['--prefix', path.join(REPO, 'web'), 'run', 'build']);
  if (result.code !== 0)
    throw new BenchError(`npm run build -w web failed:\n${result.stdout}${result.stderr}`);
  console.log(`${fmt((performance.now() - started) / 1000)} s`);
}
