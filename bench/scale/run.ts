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
import { measurePropfind, type PropfindReference, startPropfindReference } from './propfind.ts';
import { type Driver, MOVE_ROUNDS, POSTGRES, PROPFIND_ROUNDS, REQUESTS, type Shape } from './settings.ts';
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

/**
 * The PROPFIND's references, one for each size of the big folder (the databases may be given trees of
 * different sizes): `rclone serve webdav` of a directory of as many empty files, named alike.
 */
export function propfindReferences(dir: string) {
  const bySize = new Map<number, PropfindReference>();
  /** The reference for this tree's big folder, made from its names (read over `sql`) the first time. */
  return async (sql: Sql, tree: Generated, files: number): Promise<PropfindReference> => {
    const known = bySize.get(files);
    if (known !== undefined) return known;
    const made = await startPropfindReference(
      path.join(dir, `propfind-reference-${files}`),
      sql,
      tree.bigFolderId,
    );
    bySize.set(files, made);
    onCleanUp(made.stop);
    return made;
  };
}
export type PropfindReferences = ReturnType<typeof propfindReferences>;

/** Writes the tree, measures what the name index costs and gets the PROPFIND's reference, over `sql`. */
async function writeTree(
  sql: Sql,
  username: string,
  shape: Shape,
  references: PropfindReferences,
  log: (line: string) => void,
) {
  log(`writing ${shape.nodes.toLocaleString('en')} nodes…`);
  const tree = await generateTree(sql, username, shape);
  log(`  ${tree.rows.toLocaleString('en')} rows in ${tree.seconds.toFixed(1)} s`);
  log('measuring inserts with and without the name index…');
  const indexCost = await nameIndexCost(sql, tree, shape.bigFolder);
  log(`the reference for the PROPFIND: ${shape.bigFolder.toLocaleString('en')} empty files…`);
  const reference = await references(sql, tree, shape.bigFolder);
  return { tree, indexCost, reference };
}

export async function runOn(driver: Driver, dir: string, shape: Shape, references: PropfindReferences) {
  const log = (line: string) => console.log(`[${driver}] ${line}`);
  const runDir = path.join(dir, driver);
  await mkdir(runDir, { recursive: true });
  let written: Awaited<ReturnType<typeof writeTree>>;
  let api: Awaited<ReturnType<typeof startApi>>;
  if (driver === 'postgres') {
    const url = await postgresDatabase();
    api = await startApi(runDir, { env: { ...SERVER_ENV, DATABASE_URL: url } });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      written = await writeTree(client, api.username, shape, references, log);
    } finally {
      await client.end();
    }
  } else {
    const first = await startApi(runDir, { env: SERVER_ENV });
    await stopChild(first.child, 'SIGTERM');
    const client = await createPglite(pgliteDir(path.join(runDir, 'data')));
    try {
      written = await writeTree(client, first.username, shape, references, log);
    } finally {
      await client.close();
    }
    api = await startApi(runDir, { env: SERVER_ENV, user: first });
  }
  const { tree, indexCost, reference } = written;
  try {
    log(`searching (${REQUESTS} requests a query)…`);
    const searches = await measureSearches(api, QUERIES, REQUESTS);
    log(`listing the big folder (${REQUESTS} requests an order)…`);
    const listings = await measureListings(api, tree, REQUESTS);
    log(
      `PROPFIND Depth 1 of the big folder through /dav/ and of rclone serve's (${PROPFIND_ROUNDS} rounds)…`,
    );
    const propfinds = await measurePropfind(api, reference, shape.bigFolder, PROPFIND_ROUNDS);
    log('trashing and restoring, moving…');
    const changes = [
      ...(await measureTrashAndRestore(api, tree, MOVE_ROUNDS)),
      ...(await measureMove(api, tree, MOVE_ROUNDS)),
    ];
    return { driver, shape, tree, indexCost, searches, listings, propfinds, changes };
  } finally {
    await stopChild(api.child, 'SIGTERM');
  }
}

export type RunResult = Awaited<ReturnType<typeof runOn>>;
