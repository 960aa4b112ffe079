import { readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { driverSets } from '../../server/test/harness.ts';
import { cliWorld } from './cli-world.ts';

describe.each(driverSets())('signing in (%s)', (set) => {
  const world = cliWorld(set);

  test('before login every command says "not signed in" and exits 3', async () => {
    const result = await world.run(['ls']);
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toEqual([
      'fileshare: not signed in: run `fileshare login <url>`',
    ]);
  });

  test('a wrong password is refused and nothing is saved', async () => {
    const result = await world.run(['login', world.server.origin, '-u', world.username], {
      FILESHARE_PASSWORD: 'not the password',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^fileshare: .+\n$/);
    await expect(stat(path.join(world.configHome, 'fileshare', 'config.json'))).rejects.toThrow();
  });

  test('login saves the server and a credential readable by its owner only; whoami and df use it', async () => {
    await world.ok(['login', `${world.server.origin}/`, '--username', world.username]);
    const file = path.join(world.configHome, 'fileshare', 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(saved.url).toBe(world.server.origin);
    expect(saved.token).toEqual(expect.any(String));
    expect(saved.token).not.toContain(world.password);
    // The credential is an app password named after this machine, and no session is left open.
    expect(saved.token).toMatch(/^[a-z0-9]{5}(-[a-z0-9]{5}){5}$/);
    const listed = await fetch(`${world.server.origin}/api/v1/me/app-passwords`, {
      headers: { authorization: `Bearer ${world.token}` },
    });
    const names = (await listed.json()).appPasswords.map((item: { name: string }) => item.name);
    expect(names).toEqual([`fileshare on ${hostname()}`]);
    expect((await world.ok(['whoami'])).trim()).toBe(world.username);
    expect(await world.ok(['df'])).toMatch(/^0 B used no quota\n$/);
    expect(JSON.parse(await world.ok(['df', '--json']))).toEqual({
      usedBytes: 0,
      reservedBytes: 0,
      quotaBytes: null,
    });
  });

  test('FILESHARE_URL and FILESHARE_TOKEN work without a saved file', async () => {
    const result = await world.run(['whoami'], {
      XDG_CONFIG_HOME: path.join(world.scratch, 'nowhere'),
      FILESHARE_URL: world.server.origin,
      FILESHARE_TOKEN: world.token,
    });
    expect(result.stdout.trim()).toBe(world.username);
  });

  test('logout revokes the credential on the server and forgets it', async () => {
    const file = path.join(world.configHome, 'fileshare', 'config.json');
    const { token } = JSON.parse(await readFile(file, 'utf8'));
    await world.ok(['logout']);
    await expect(stat(file)).rejects.toThrow();
    const afterwards = await fetch(`${world.server.origin}/api/v1/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(afterwards.status).toBe(401);
    expect((await world.run(['whoami'])).code).toBe(3);
  });

  test('a revoked token is "not signed in" (exit 3); a server that is not there is a network error (exit 6)', async () => {
    const revoked = await world.run(['whoami'], {
      FILESHARE_URL: world.server.origin,
      FILESHARE_TOKEN: 'nonsense',
    });
    expect(revoked.code).toBe(3);
    const gone = await world.run(['whoami'], { FILESHARE_URL: 'http://127.0.0.1:9', FILESHARE_TOKEN: 'x' });
    expect(gone.code).toBe(6);
    expect(gone.stderr).toMatch(/^fileshare: could not reach http:\/\/127\.0\.0\.1:9.*\n$/);
  });
});
