import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServiceWorld, type ServiceWorld, seedUser } from '../../../test/service-world.ts';
import { CommitOutcomeUnknownError } from '../../platform/database/database.ts';
import { AppError } from '../../shared/errors.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import { createFilesService, type SimpleUpload } from './files.service.ts';

describe('a simple upload, below the routes', () => {
  let world: ServiceWorld;
  beforeAll(async () => {
    world = await openServiceWorld();
  });
  afterAll(() => world.close());

  /** The files service on a tree whose unit of work commits, then loses its connection (the answer to COMMIT never came). */
  function filesLosingTheCommitAnswer(failure: Error) {
    const { nodes, users } = world.services;
    const losing: NodesService = {
      ...nodes,
      inTree: (async (...args: Parameters<NodesService['inTree']>) => {
        await nodes.inTree(...args);
        throw failure;
      }) as NodesService['inTree'],
    };
    return createFilesService(world.deps, losing, users);
  }

  const upload = (ownerId: string, name: string): SimpleUpload => ({
    ownerId,
    folderId: 'root',
    name,
    onConflict: 'fail',
    body: Readable.from([Buffer.from('kept, whatever the answer')]),
    declaredSize: undefined,
    declaredSha256: undefined,
    contentType: undefined,
    clientConnected: () => true,
  });

  async function recorded(ownerId: string, name: string) {
    const { rows } = (await world.deps.database.db.execute(
      sql`select blob_key from nodes where owner_id = ${ownerId} and name = ${name}`,
    )) as unknown as { rows: { blob_key: string }[] };
    return rows[0] === undefined ? undefined : { blobKey: rows[0].blob_key };
  }

  it('keeps the blob when the database went away at the commit, which may have happened', async () => {
    const { user } = await seedUser(world);
    const files = filesLosingTheCommitAnswer(
      new CommitOutcomeUnknownError(new Error('Connection terminated unexpectedly')),
    );
    await expect(files.upload(upload(user.id, 'kept.txt'))).rejects.toBeInstanceOf(CommitOutcomeUnknownError);
    const file = await recorded(user.id, 'kept.txt');
    expect(file?.blobKey).toBeDefined();
    expect((await world.deps.blobs.stat(file?.blobKey as string))?.size).toBe(25);
  });

  it('deletes the blob when recording the file failed for certain', async () => {
    const { user } = await seedUser(world);
    const before = new Set<string>();
    for await (const blob of world.deps.blobs.list('blobs/')) before.add(blob.key);
    const refused = new AppError(409, 'refused', 'Not this one.');
    await expect(
      world.services.files.upload({
        ...upload(user.id, 'refused.txt'),
        alsoInWork: async () => {
          throw refused;
        },
      }),
    ).rejects.toBe(refused);
    const added = [];
    for await (const blob of world.deps.blobs.list('blobs/')) if (!before.has(blob.key)) added.push(blob.key);
    expect(added).toEqual([]);
    expect(await recorded(user.id, 'refused.txt')).toBeUndefined();
  });
});
