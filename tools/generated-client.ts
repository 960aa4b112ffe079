import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path.join(dir, entry.name), relative)));
    else out.push(relative);
  }
  return out.sort();
}

/**
 * Fails unless `<packageRoot>/src/api` is exactly what @hey-api/openapi-ts generates from
 * server/openapi.json with the package's own config (`npm run generate -w <workspace>` fixes it).
 */
export async function expectGeneratedClientCurrent(packageRoot: string, workspace: string) {
  const committed = path.join(packageRoot, 'src', 'api');
  const fresh = await mkdtemp(path.join(tmpdir(), 'fileshare-api-client-'));
  try {
    const bin = path.join(packageRoot, '..', 'node_modules', '@hey-api', 'openapi-ts', 'bin', 'run.js');
    execFileSync(process.execPath, [bin], {
      cwd: packageRoot,
      env: { ...process.env, OPENAPI_TS_OUTPUT: fresh },
      stdio: 'pipe',
    });
    const fix = `run \`npm run generate -w ${workspace}\``;
    const names = await filesUnder(fresh);
    expect(await filesUnder(committed), `the generated files (${fix})`).toEqual(names);
    for (const name of names) {
      const [want, have] = await Promise.all([
        readFile(path.join(fresh, name), 'utf8'),
        readFile(path.join(committed, name), 'utf8'),
      ]);
      expect(have, `${name} differs from a fresh generation: ${fix}`).toBe(want);
    }
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
}
