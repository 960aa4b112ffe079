import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import type { Deps } from '../src/deps.ts';
import { insertUser } from '../src/features/users/users.repository.ts';
import { openPglite } from '../src/platform/database/database.ts';
import { openDeps } from '../src/platform/open.ts';
import { createServices, type RepositoryOverrides, type Services } from '../src/services.ts';
import { TestClock } from './harness.ts';
import { runId, tempDir } from './services.ts';

/**
 * The services on their real drivers, without HTTP: in-memory PGlite, an in-process cache, blobs in
 * a temporary directory. For tests of business rules below the routes, and for injecting a fault
 * through a stand-in repository.
 */
export interface ServiceWorld {
  deps: Deps;
  services: Services;
  clock: TestClock;
  close(): Promise<void>;
}

export async function openServiceWorld(repositories: RepositoryOverrides = {}): Promise<ServiceWorld> {
  const data = await tempDir();
  const clock = new TestClock();
  const deps = await openDeps(
    { ...loadConfig({ LOG_LEVEL: 'silent' }), dataDir: data.path },
    pino({ level: 'silent' }),
    {
      database: await openPglite(undefined),
      clock,
    },
  );
  return {
    deps,
    services: createServices(deps, repositories),
    clock,
    async close() {
      await deps.cache.close();
      await deps.blobs.close();
      await deps.database.close();
      await data.remove();
    },
  };
}

/** A user with a root folder, straight in the database (no password hashing). */
export async function seedUser(world: ServiceWorld, options: { quotaBytes?: number | null } = {}) {
  return world.deps.database.db.transaction(async (tx) => {
    const user = await insertUser(tx, {
      username: `user-${runId()}`,
      passwordHash: 'not a hash: this user never signs in',
      isAdmin: false,
      quotaBytes: options.quotaBytes ?? null,
    });
    const root = await world.services.nodes.createRootFolder(tx, user.id);
    return { user, root };
  });
}

/** Content as if its blob were stored: the rules of the tree don't look at the blob. */
export function storedContent(size: number) {
  return {
    blobKey: `blobs/${runId()}`,
    size,
    storedSize: size,
    sha256: null,
    contentType: 'application/octet-stream',
    encoding: 'identity' as const,
  };
}
