import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { LOCKS } from './locks.ts';
import {
  copyTemplate,
  defaultTemplateFile,
  isNewDataDir,
  templateBlob,
  writeTemplate,
} from './pglite-template.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** The one query interface every feature uses; PGlite and PostgreSQL both provide it. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either the database or a transaction inside it, for repository functions that work in both. */
export type Queryable = Database | Transaction;

/** The rows of a raw query; node-postgres and PGlite both answer `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

export interface DatabaseHandle {
  db: Database;
  driver: 'pglite' | 'postgres';
  /**
   * PGlite only: how its cluster came to be this start: it was there already, it was copied from the
   * template made at install time, or initdb made it (no template, or it could not be read: `error`).
   */
  pgliteStart?: { from: 'existing' | 'template' | 'initdb'; error?: unknown };
  migrate(): Promise<void>;
  check(): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: its data directory as a tarball, taken between two queries (so consistent). */
  dumpDataDir?(): Promise<Blob>;
  /** The connection pool's figures (PostgreSQL only; PGlite is one connection in this process). */
  poolUse?(): { total: number; idle: number; waiting: number };
  /**
   * Runs `work` unless another holder of lock `id` (in any process on this database) is running
   * it; returns false when skipped.
   */
  exclusively(id: number, work: () => Promise<void>): Promise<boolean>;
}

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/**
 * PGlite's own defaults but for its shared memory, all of which is resident once it has started.
 * The buffer pool: the 160 MB initdb picks for `shared_buffers` held 120 MiB more RSS than 16 MB,
 * and 8 MB holds 12 MiB less again (bench:footprint); a drive's metadata is small and file reads go
 * through the operating system's cache anyway. The rest is sized for 100 connections, autovacuum
 * workers and replication senders, where PGlite is one backend in one process and runs none of
 * them: sized for two backends, its shared memory is 11 MB instead of 15 and the process holds some
 * 5.5 MiB less (PGlite alone, opened on an existing cluster and idle).
 */
const PGLITE_SETTINGS = [
  '-c',
  'shared_buffers=8MB',
  '-c',
  'max_connections=2',
  '-c',
  'autovacuum_worker_slots=1',
  '-c',
  'autovacuum_max_workers=1',
  '-c',
  'max_wal_senders=0',
  '-c',
  'max_replication_slots=0',
];

/**
 * PGlite with the extensions the migrations use, its files in `dataDir` (in memory without one).
 * Its modules are loaded only when it is the driver opened.
 */
export async function createPglite(dataDir: string | undefined, loadDataDir?: Blob) {
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const [{ PGlite }, { pg_trgm }, { unaccent }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/pg_trgm'),
    import('@electric-sql/pglite/contrib/unaccent'),
  ]);
  // Name search folds accents (unaccent) and matches substrings through a trigram index (pg_trgm).
  const extensions = { pg_trgm, unaccent };
  const options = {
    extensions,
    loadDataDir,
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
  };
  return PGlite.create(dataDir === undefined ? options : { ...options, dataDir });
}

export interface PgliteOptions {
  /** The template file (tests name a missing or damaged one); null: initdb, as without a template. */
  template?: string | null;
}

/**
 * Opens PGlite's cluster in `dataDir`, or in memory without one. A new cluster is a copy of the
 * template when there is one that can be read, otherwise initdb makes it.
 */
async function startPglite(dataDir: string | undefined, options: PgliteOptions) {
  if (dataDir !== undefined && !(await isNewDataDir(dataDir)))
    return { client: await createPglite(dataDir), start: { from: 'existing' as const } };
  let error: unknown;
  try {
    const template = options.template === undefined ? defaultTemplateFile() : options.template;
    if (template !== null) {
      if (dataDir === undefined) {
        const blob = await templateBlob(template);
        if (blob !== undefined)
          return { client: await createPglite(undefined, blob), start: { from: 'template' as const } };
      } else if (await copyTemplate(template, dataDir)) {
        return { client: await createPglite(dataDir), start: { from: 'template' as const } };
      }
    }
  } catch (cause) {
    error = cause;
    // A damaged copy is not left behind for the next start to take for a cluster (the copy is only
    // ever made where no folder was, so this removes nothing else; if it cannot, initdb says why).
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true }).catch(() => {});
  }
  return { client: await createPglite(dataDir), start: { from: 'initdb' as const, error } };
}

export async function openPglite(
  dataDir: string | undefined,
  options: PgliteOptions = {},
): Promise<DatabaseHandle> {
  const [{ client, start }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
    startPglite(dataDir, options),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  const db = drizzlePglite({ client, schema });
  return {
    db: db as unknown as Database,
    driver: 'pglite',
    pgliteStart: start,
    migrate: () => migratePglite(db, { migrationsFolder }),
    check: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
    dumpDataDir: () => client.dumpDataDir('none'),
    // PGlite belongs to one process; a flag in it is the lock.
    exclusively: (() => {
      const running = new Set<number>();
      return async (id: number, work: () => Promise<void>) => {
        if (running.has(id)) return false;
        running.add(id);
        try {
          await work();
          return true;
        } finally {
          running.delete(id);
        }
      };
    })(),
  };
}

export async function openPostgres(url: string): Promise<DatabaseHandle> {
  const [{ default: pg }, { drizzle: drizzlePg }, { migrate: migratePg }] = await Promise.all([
    import('pg'),
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
  ]);
  const pool = new pg.Pool({ connectionString: url, max: 20, connectionTimeoutMillis: 5_000 });
  // A client losing its connection (a restart of PostgreSQL) must not crash the process: an idle
  // one reports to the pool, one that is checked out (a transaction in flight) to itself; the
  // query it was running fails, the request answers 503, and the pool connects afresh.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzlePg({ client: pool, schema });
  return {
    db: db as unknown as Database,
    driver: 'postgres',
    async migrate() {
      // Several API instances may start at once; one migrates while the others wait.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [LOCKS.migration]);
        await migratePg(drizzlePg({ client, schema }), { migrationsFolder });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [LOCKS.migration]).catch(() => {});
        client.release();
      }
    },
    check: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
    poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async exclusively(id, work) {
      // A session-level advisory lock, held on one connection of its own while the work runs.
      const client = await pool.connect();
      try {
        const { rows } = await client.query<{ locked: boolean }>(
          'select pg_try_advisory_lock($1) as locked',
          [id],
        );
        if (!rows[0]?.locked) return false;
        try {
          await work();
          return true;
        } finally {
          await client.query('select pg_advisory_unlock($1)', [id]);
        }
      } finally {
        client.release();
      }
    },
  };
}

/** PostgreSQL when a URL is given, otherwise PGlite with its files under the data directory. */
export function openDatabase(options: { databaseUrl: string | undefined; dataDir: string }) {
  return options.databaseUrl !== undefined
    ? openPostgres(options.databaseUrl)
    : openPglite(pgliteDir(options.dataDir));
}

/** Where PGlite keeps its files under the server's data directory. */
export const pgliteDir = (dataDir: string) => path.join(dataDir, 'pglite');

/** The SQLSTATE of a database error, looking through the wrappers Drizzle puts around it. */
export function sqlState(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';

/**
 * A unit of work whose every statement ran, and whose COMMIT got no answer: the database went away
 * in between, so whether it committed is not known. Whatever the work was written for (a blob it
 * points at) must be kept; the database unavailable to the client (503).
 */
export class CommitOutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super('the database went away before answering a commit', { cause });
    this.name = 'CommitOutcomeUnknownError';
  }
}

/** True when the error means the database could not be reached, rather than a query being wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof CommitOutcomeUnknownError) return true;
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('08') || state.startsWith('57P');
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT') return true;
    if (
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
        current.message,
      )
    ) {
      return true;
    }
  }
  return false;
}

/**
 * Makes the PGlite template for this PGlite and these migrations unless it is there already: a
 * cluster made by initdb in memory, migrated, dumped. Returns the file and whether it was made now.
 */
export async function makePgliteTemplate(file = defaultTemplateFile()) {
  if (existsSync(file)) return { file, made: false };
  const database = await openPglite(undefined, { template: null });
  try {
    await database.migrate();
    const dump = await database.dumpDataDir?.();
    if (dump === undefined) throw new Error('PGlite gave no dump of its data directory');
    await writeTemplate(file, dump);
  } finally {
    await database.close();
  }
  return { file, made: true };
}
