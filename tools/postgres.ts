import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './processes.ts';

const run = promisify(execFile);

export const POSTGRES_MISSING = `PostgreSQL's server programs (initdb, pg_ctl) are not installed. Install them with:

    sudo apt-get update && sudo apt-get install -y postgresql`;

/** The newest server version Debian installed under /usr/lib/postgresql, or initdb on the PATH. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(path.join(root, name, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] !== undefined) return path.join(root, versions[0], 'bin');
  const onPath = (process.env.PATH ?? '').split(':').find((dir) => existsSync(path.join(dir, 'pg_ctl')));
  if (onPath === undefined) throw new Error(POSTGRES_MISSING);
  return onPath;
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres: the superuser, to create databases. */
  adminUrl: string;
  /** A database of this server, created if it isn't there. */
  database(name: string): Promise<string>;
  /** An immediate restart (`pg_ctl restart -m immediate`): connections break, the server recovers from its WAL. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL server of its own, in a temporary directory on a free port, which its user may
 * restart or stop without disturbing anyone else's. PostgreSQL refuses to run as root, so under
 * root it runs as the `postgres` account the server package creates.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fileshare-postgres-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
        gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
      }
    : {};
  if (ids.uid !== undefined && ids.gid !== undefined) await chown(dir, ids.uid, ids.gid);
  const port = await freePort();
  const pgCtl = (...args: string[]) =>
    run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'server.log'), ...args], {
      ...ids,
      cwd: dir,
    });
  await run(
    path.join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    { ...ids, cwd: dir },
  );
  // No fsync: nothing here has to survive the machine crashing, only the server being killed,
  // which the WAL in the page cache covers.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=200`;
  await pgCtl('start', '-w', '-t', '30', '-o', options);
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    adminUrl,
    async database(name) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
        if (rowCount === 0) await admin.query(`create database "${name.replaceAll('"', '""')}"`);
      } finally {
        await admin.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async restart() {
      await pgCtl('restart', '-m', 'immediate', '-w', '-t', '30', '-o', options);
    },
    async stop() {
      await pgCtl('stop', '-m', 'immediate', '-w').catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
