import { describe, expect, test } from 'vitest';
import { numbersOf, settle, uploadQueueUnderTest } from './upload-manager.fake';
import { fileOf } from './upload-transport.fake';

const queue = uploadQueueUnderTest();

describe('after a reload', () => {
  const request = {
    parentId: 'folder-1',
    name: 'a.bin',
    size: 40,
    storedSize: 40,
    encoding: 'identity' as const,
  };
  const listed = (id: string) => {
    const { parts: _parts, uploadedParts: _uploaded, ...session } = queue.transport.describe(id);
    return session;
  };

  test('an unfinished session shows how far it got, and the same file picked again continues from its parts', async () => {
    const id = queue.transport.seed(request, [1, 2, 3]);
    queue.manager.adoptUnfinished([listed(id)]);
    await settle();
    expect(queue.item('a.bin')).toMatchObject({
      status: 'needs-file',
      sentBytes: 12,
      totalBytes: 40,
      sessionId: id,
    });

    expect(queue.manager.attachFile(queue.item('a.bin').key, fileOf('a.bin', 9))).toMatch(
      /not the same file/,
    );
    queue.manager.add([{ file: fileOf('a.bin', 10), parentId: 'folder-1' }]);
    await settle();

    expect(queue.manager.getSnapshot()).toHaveLength(1);
    expect(numbersOf(queue.transport.partsOf('a.bin'))).toEqual([4, 5, 6, 7]);
    expect(queue.item('a.bin').sentBytes).toBe(12);
    await queue.arriveAll('a.bin');
    expect(queue.item('a.bin').status).toBe('done');
    expect(queue.committed).toEqual(['folder-1']);
    expect(queue.transport.calls.filter((call) => call.startsWith('create'))).toEqual([]);
    expect(queue.transport.calls.at(-1)).toBe(`complete ${id}`);
  });

  test('a file in another folder, or a session seen already, is not taken for it', async () => {
    const id = queue.transport.seed(request, [1]);
    queue.manager.adoptUnfinished([listed(id)]);
    queue.manager.adoptUnfinished([listed(id)]);
    queue.manager.add([{ file: fileOf('a.bin', 10), parentId: 'root' }]);
    await settle();

    expect(queue.manager.getSnapshot().map((each) => each.status)).toEqual(['needs-file', 'uploading']);
    expect(queue.transport.calls).toContain('create a.bin');
  });

  test('a session that is gone meanwhile is started afresh', async () => {
    const id = queue.transport.seed(request, [1, 2]);
    queue.manager.adoptUnfinished([listed(id)]);
    await settle();
    queue.transport.sessions.delete(id);
    queue.manager.attachFile(queue.item('a.bin').key, fileOf('a.bin', 10));
    await settle();

    expect(queue.transport.calls.slice(-2)).toEqual([`get ${id}`, 'create a.bin']);
    expect(numbersOf(queue.transport.partsOf('a.bin'))).toEqual([1, 2, 3, 4]);
  });
});
