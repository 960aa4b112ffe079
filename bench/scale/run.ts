/**
 * One run of the scale benchmark on one database: the API server registers the user, the tree is
 * written into its database, then everything is measured through the API.
 *
 * PostgreSQL: the bench writes the tree over its own connection while the server runs. PGlite
 * belongs to one process, so the server is stopped while the bench opens its data directory to
 * write the tree, and started again on it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { createPglite, pgliteDir } from '../../server/src/platform/database/database.ts';
import { createPostgresDatabase } from '../../server/test/services.ts';
import { startPrivatePostgres } from '../../tools/postgres.ts';
import { startApi } from '../support/api-server.ts';
import { onCleanUp, stopChild } from '../support/processes.ts';
import { measureListings, measureMove, measureSearches, measureTrashAndRestore } from './measure.ts';
import { type Driver, MOVE_ROUNDS, POSTGRES, REQUESTS, type Shape } from './settings.ts';
import { type Generated, generateTree, nameIndexCost, QUERIES, type Sql } from './tree.ts';

/** The server as measured: no cache (every answer from the database), no sweeper running meanwhile. */
const SERVER_ENV = { CACHE_ENABLED: 'false', GC_INTERVAL_SECONDS: '0' };

async function postgresDatabase(): Promise<string> {
  if (POSTGRES === 'private') {
    const server = await startPrivatePostgres();
    onCleanUp(server.stop);
    return server.database('fileshare_scale');
  }
  const database = await createPostgresDatabase();
  onCleanUp(database.drop);
  return database.url;
}

/** Writes the tree and measures what the name index costs, over `sql`. */
async function writeTree(sql: Sql, username: string, shape: Shape, log: (line: string) => void) {
  log(`writing ${shape.nodes.toLocaleString('en')} nodes…`);
  const tree = await generateTree(sql, username, shape);
  log(`  ${tree.rows.toLocaleString('en')} rows in ${tree.seconds.toFixed(1)} s`);
  log('measuring inserts with and without the name index…');
  const indexCost = await nameIndexCost(sql, tree, shape.bigFolder);
  return { tree, indexCost };
}

export async function runOn(driver: Driver, dir: string, shape: Shape) {
  const log = (line: string) => console.log(`[${driver}] ${line}`);
  const runDir = path.join(dir, driver);
  await mkdir(runDir, { recursive: true });
  let written: { tree: Generated; indexCost: Awaited<ReturnType<typeof nameIndexCost>> };
  let api: Awaited<ReturnType<typeof startApi>>;
  if (driver === 'postgres') {
    const url = await postgresDatabase();
    api = await startApi(runDir, { env: { ...SERVER_ENV, DATABASE_URL: url } });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      written = await writeTree(client, api.username, shape, log);
    } finally {
      await client.end();
    }
  } else {
    const first = await startApi(runDir, { env: SERVER_ENV });
    await stopChild(first.child, 'SIGTERM');
    const client = await createPglite(pgliteDir(path.join(runDir, 'data')));
    try {
      written = await writeTree(client, first.username, shape, log);
    } finally {
      await client.close();
    }
    api = await startApi(runDir, { env: SERVER_ENV, user: first });
  }
  const { tree, indexCost } = written;
  try {
    log(`searching (${REQUESTS} requests a query)…`);
    const searches = await measureSearches(api, QUERIES, REQUESTS);
    log(`listing the big folder (${REQUESTS} requests an order)…`);
    const listings = await measureListings(api, tree, REQUESTS);
    log('trashing and restoring, moving…');
    const changes = [
      ...(await measureTrashAndRestore(api, tree, MOVE_ROUNDS)),
      ...(await measureMove(api, tree, MOVE_ROUNDS)),
    ];
    return { driver, shape, tree, indexCost, searches, listings, changes };
  } finally {
    await stopChild(api.child, 'SIGTERM');
  }
}

export type RunResult = Awaited<ReturnType<typeof runOn>>;
