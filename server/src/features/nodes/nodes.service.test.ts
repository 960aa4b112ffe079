import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServiceWorld, type ServiceWorld, seedUser, storedContent } from '../../../test/service-world.ts';
import { AppError } from '../../shared/errors.ts';
import { userActor } from '../access/access.ts';
import * as realRepository from './nodes.repository.ts';
import { nodes as nodesTable } from './nodes.table.ts';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof AppError ? error.code : String(error)),
  );

describe('the tree, below the routes', () => {
  let world: ServiceWorld;
  beforeAll(async () => {
    world = await openServiceWorld();
  });
  afterAll(() => world.close());

  const usedBytes = async (userId: string) => (await world.services.users.getUser(userId))?.usedBytes;

  it('reads a page of child rows with every column as the table holds it, times as dates', async () => {
    const { user } = await seedUser(world);
    const { nodes } = world.services;
    const folder = await nodes.createFolder(userActor(user.id), 'root', 'rows');
    await nodes.createFolder(userActor(user.id), folder.id, 'a folder');
    await nodes.commitFile(user.id, folder.id, 'b file', 'fail', storedContent(3));
    const page = await nodes.childRows(folder.id, { limit: 10, sort: 'name', order: 'asc' });
    const stored = await world.deps.database.db
      .select()
      .from(nodesTable)
      .where(eq(nodesTable.parentId, folder.id))
      .orderBy(nodesTable.name);
    expect(page.items).toEqual(stored);
    expect(page.items[0]?.createdAt).toBeInstanceOf(Date);
  });

  it('refuses to move a folder into itself or below itself', async () => {
    const { user } = await seedUser(world);
    const { nodes } = world.services;
    const a = await nodes.createFolder(userActor(user.id), 'root', 'a');
    const b = await nodes.createFolder(userActor(user.id), a.id, 'b');
    expect(await codeOf(nodes.update(userActor(user.id), a.id, { parentId: a.id }))).toBe('invalid_move');
    expect(await codeOf(nodes.update(userActor(user.id), a.id, { parentId: b.id }))).toBe('invalid_move');
    expect((await nodes.update(userActor(user.id), b.id, { parentId: 'root' })).parentId).not.toBe(a.id);
  });

  it('nests folders 256 deep and no deeper, counting the height of what a move brings', async () => {
    const { user } = await seedUser(world);
    const { nodes } = world.services;
    let parent = 'root';
    const chain: string[] = [];
    for (let depth = 1; depth <= realRepository.MAX_TREE_DEPTH; depth++) {
      parent = (await nodes.createFolder(userActor(user.id), parent, `level ${depth}`)).id;
      chain.push(parent);
    }
    expect(await codeOf(nodes.createFolder(userActor(user.id), parent, 'too deep'))).toBe('tree_too_deep');
    expect(await codeOf(nodes.commitFile(user.id, parent, 'file', 'fail', storedContent(1)))).toBe(
      'tree_too_deep',
    );
    // A folder with a subfolder fits under level 254, not under level 255.
    const pair = await nodes.createFolder(userActor(user.id), 'root', 'pair');
    await nodes.createFolder(userActor(user.id), pair.id, 'inner');
    expect(await codeOf(nodes.update(userActor(user.id), pair.id, { parentId: chain[254] as string }))).toBe(
      'tree_too_deep',
    );
    expect(await codeOf(nodes.update(userActor(user.id), pair.id, { parentId: chain[253] as string }))).toBe(
      'ok',
    );
    // A file in the inner folder is one level more: the pair then fits under level 253 only.
    const trio = await nodes.createFolder(userActor(user.id), 'root', 'trio');
    const inner = await nodes.createFolder(userActor(user.id), trio.id, 'inner');
    await nodes.commitFile(user.id, inner.id, 'deepest.txt', 'fail', storedContent(1));
    expect(await codeOf(nodes.update(userActor(user.id), trio.id, { parentId: chain[253] as string }))).toBe(
      'tree_too_deep',
    );
    expect(await codeOf(nodes.update(userActor(user.id), trio.id, { parentId: chain[252] as string }))).toBe(
      'ok',
    );
  });

  it('refunds exactly what a purge removed, once', async () => {
    const { user } = await seedUser(world);
    const { nodes } = world.services;
    const folder = await nodes.createFolder(userActor(user.id), 'root', 'photos');
    await nodes.commitFile(user.id, folder.id, 'a.jpg', 'fail', storedContent(1000));
    await nodes.commitFile(user.id, folder.id, 'b.jpg', 'fail', storedContent(234));
    await nodes.commitFile(user.id, 'root', 'kept.txt', 'fail', storedContent(5));
    expect(await usedBytes(user.id)).toBe(1239);
    await nodes.trash(userActor(user.id), folder.id);
    expect((await nodes.purge(user.id, folder.id)).length).toBe(2);
    expect(await usedBytes(user.id)).toBe(5);
    expect(await codeOf(nodes.purge(user.id, folder.id))).toBe('not_found');
    expect(await usedBytes(user.id)).toBe(5);
  });

  it('charges and reserves sizes past 2^31 bytes, with and without a quota', async () => {
    const tenGiB = 10 * 1024 ** 3;
    for (const quotaBytes of [null, 4 * tenGiB]) {
      const { user } = await seedUser(world, { quotaBytes });
      const { nodes, users } = world.services;
      await world.deps.database.db.transaction((tx) => users.reserveStorage(tx, user.id, tenGiB));
      expect((await users.getUser(user.id))?.reservedBytes).toBe(tenGiB);
      await nodes.commitFile(user.id, 'root', 'big.bin', 'fail', storedContent(tenGiB));
      expect(await usedBytes(user.id)).toBe(tenGiB);
    }
  });

  it('charges a replace the difference from the file it replaces', async () => {
    const { user } = await seedUser(world, { quotaBytes: 10_000 });
    const { nodes } = world.services;
    const first = await nodes.commitFile(user.id, 'root', 'r.bin', 'fail', storedContent(4000));
    const second = await nodes.commitFile(user.id, 'root', 'r.bin', 'replace', storedContent(9000));
    expect(second.node.id).toBe(first.node.id);
    expect(second.replacedBlobKey).toBe(first.node.blobKey);
    expect(await usedBytes(user.id)).toBe(9000);
    // Over the quota by the difference, not by the whole new size.
    expect(await codeOf(nodes.commitFile(user.id, 'root', 'r.bin', 'replace', storedContent(10_001)))).toBe(
      'quota_exceeded',
    );
    expect(await usedBytes(user.id)).toBe(9000);
  });
});

describe('a unit of work that fails', () => {
  let world: ServiceWorld;
  let failInserts = false;
  beforeAll(async () => {
    // The real repository, with an insert that fails on demand after the quota was charged.
    world = await openServiceWorld({
      nodes: {
        ...realRepository,
        insertNode: async (...args) => {
          if (failInserts) throw new Error('the disk under the database failed');
          return realRepository.insertNode(...args);
        },
      },
    });
  });
  afterAll(() => world.close());

  it('leaves neither the node nor the charge behind', async () => {
    const { user } = await seedUser(world);
    const { nodes, users } = world.services;
    failInserts = true;
    expect(await codeOf(nodes.commitFile(user.id, 'root', 'lost.bin', 'fail', storedContent(777)))).toContain(
      'the disk under the database failed',
    );
    failInserts = false;
    expect((await users.getUser(user.id))?.usedBytes).toBe(0);
    expect(
      (await nodes.listFolder(userActor(user.id), 'root', { limit: 10, sort: 'name', order: 'asc' })).items,
    ).toBe('');
    expect((await nodes.commitFile(user.id, 'root', 'lost.bin', 'fail', storedContent(777))).created).toBe(
      true,
    );
  });
});
