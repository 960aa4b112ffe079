import { randomBytes } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { driverSets } from '../../server/test/harness.ts';
import { type CliWorld, cliWorld, finished } from './cli-world.ts';
import { startSlowProxy } from './slow-proxy.ts';

const MIB = 1024 * 1024;
const SIZE = 64 * MIB + 12_345;

/** Runs `fileshare` until `ready` holds for what it wrote to standard error, then kills it with SIGKILL. */
async function killWhen(world: CliWorld, args: string[], ready: (stderr: string) => boolean) {
  const child = world.spawn(args);
  let stderr = '';
  const result = finished(child);
  await new Promise<void>((resolve) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (ready(stderr)) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    void result.then(() => resolve());
  });
  return result;
}

/**
 * The parts of the one open session once no more arrive: a part whose bytes were all on their way
 * when the command was killed still lands on the server (or the store) a moment later.
 */
async function settledParts(world: CliWorld): Promise<number[]> {
  const { uploads } = await (await world.api('/uploads')).json();
  expect(uploads).toHaveLength(1);
  let last = '';
  for (let tries = 0; tries < 50; tries++) {
    const session = await (await world.api(`/uploads/${uploads[0].id}`)).json();
    const parts = session.uploadedParts
      .map((part: { number: number }) => part.number)
      .sort((a: number, b: number) => a - b);
    if (JSON.stringify(parts) === last) return parts;
    last = JSON.stringify(parts);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`parts still arriving 25 s after the kill: ${last}`);
}

describe.each(driverSets())('resuming after kill -9 (%s)', (set) => {
  const world = cliWorld(set);
  const big = { path: '', bytes: Buffer.alloc(0) };
  let proxy: Awaited<ReturnType<typeof startSlowProxy>>;

  beforeAll(async () => {
    // 64 MiB at 48 MiB/s: the transfer takes over a second, so it is stopped in its middle.
    proxy = await startSlowProxy(world.server.origin, 48 * MIB);
    big.path = path.join(world.scratch, 'big.bin');
    big.bytes = randomBytes(SIZE);
    await writeFile(big.path, big.bytes);
    await world.ok(['login', proxy.origin, '-u', world.username]);
  });
  afterAll(() => proxy.close());

  test('a put killed in its middle, run again, sends only the parts still missing', async () => {
    const killed = await killWhen(world, ['put', big.path, '/'], (stderr) =>
      /part \d+ of 9 sent/.test(stderr),
    );
    expect(killed.signal).toBe('SIGKILL');

    const arrived = await settledParts(world);
    expect(arrived.length).toBeGreaterThan(0);
    expect(arrived.length).toBeLessThan(9);

    const again = await world.run(['put', big.path, '/']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`resuming: ${arrived.length} of 9 parts already sent`);
    const sentNow = [...again.stderr.matchAll(/part (\d+) of 9 sent/g)].map((match) => Number(match[1]));
    expect(sentNow.sort((a, b) => a - b)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9].filter((n) => !arrived.includes(n)),
    );
    expect((await (await world.api('/uploads')).json()).uploads).toEqual([]);

    const back = path.join(world.scratch, 'big.back');
    await world.ok(['get', '/big.bin', back]);
    expect((await readFile(back)).equals(big.bytes)).toBe(true);
  });

  test('with its saved state lost, a put finds the session by folder, name and size, and a different file of that size goes afresh', async () => {
    const local = path.join(world.scratch, 'lost.bin');
    const forgetState = () =>
      rm(path.join(world.configHome, 'fileshare', 'uploads'), { recursive: true, force: true });
    const killMidway = async (args: string[]) => {
      const killed = await killWhen(world, args, (stderr) => /part \d+ of 9 sent/.test(stderr));
      expect(killed.signal).toBe('SIGKILL');
      return settledParts(world);
    };

    const first = randomBytes(SIZE);
    await writeFile(local, first);
    const arrived = await killMidway(['put', local, '/']);
    await forgetState();
    const again = await world.run(['put', local, '/']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`resuming: ${arrived.length} of 9 parts already sent`);
    const sentNow = [...again.stderr.matchAll(/part (\d+) of 9 sent/g)].map((match) => Number(match[1]));
    expect(sentNow.sort((a, b) => a - b)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9].filter((n) => !arrived.includes(n)),
    );

    // Other bytes of the same size, into a folder with nothing of that name: the session found
    // holds parts of the first file. The server refuses the joined file's SHA-256 and discards
    // the session; the put sends this file again in a session of its own.
    await world.ok(['mkdir', '/elsewhere']);
    await killMidway(['put', local, '/elsewhere']);
    await forgetState();
    const second = randomBytes(SIZE);
    await writeFile(local, second);
    const replaced = await world.run(['put', local, '/elsewhere']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stderr).toContain('resuming:');
    expect([...replaced.stderr.matchAll(/part (\d+) of 9 sent/g)].length).toBeGreaterThanOrEqual(9);
    expect((await (await world.api('/uploads')).json()).uploads).toEqual([]);
    const back = path.join(world.scratch, 'lost.back');
    await world.ok(['get', '/elsewhere/lost.bin', back]);
    expect((await readFile(back)).equals(second)).toBe(true);
  });

  test('a get killed in its middle, run again, goes on from the bytes it had', async () => {
    const local = path.join(world.scratch, 'big.again');
    const partial = `${local}.fileshare-partial`;
    const child = world.spawn(['get', '/big.bin', local]);
    const result = finished(child);
    for (
      let had = 0;
      had < 8 * MIB;
      had = await stat(partial).then(
        (info) => info.size,
        () => 0,
      )
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGKILL');
    expect((await result).signal).toBe('SIGKILL');
    const had = (await stat(partial)).size;
    expect(had).toBeLessThan(SIZE);
    await expect(stat(local)).rejects.toThrow();

    const again = JSON.parse(await world.ok(['--json', 'get', '/big.bin', local]));
    expect(again.files[0].resumedFrom).toBeGreaterThanOrEqual(had);
    expect(again.files[0].sha256Verified).toBe(true);
    expect((await readFile(local)).equals(big.bytes)).toBe(true);
    await expect(stat(partial)).rejects.toThrow();
  });
});
