import { describe, expect, test, vi } from 'vitest';
import { settle, uploadQueueUnderTest } from './upload-manager.fake';
import { fileOf } from './upload-transport.fake';

const queue = uploadQueueUnderTest();
const text = (name: string) =>
  new File(['the same line, again and again\n'.repeat(200)], name, { type: 'text/plain' });

describe('a transport that stores what it is sent (a drop)', () => {
  test('text that would be gzipped for the owner goes as it is', async () => {
    queue.manager.add([{ file: text('mine.txt'), parentId: 'root' }]);
    // The owner's transport compresses it (the page's CompressionStream takes real time)…
    await vi.waitFor(() => expect(queue.transport.sessions.get('s1')?.request.encoding).toBe('gzip'));
    queue.manager.cancel(queue.item('mine.txt').key);

    queue.transport.compresses = false;
    const dropped = text('dropped.txt');
    queue.manager.add([{ file: dropped, parentId: 'drop' }]);
    await settle();
    // …one that doesn't sends every byte of it.
    expect(queue.transport.sessions.get('s2')?.request).toMatchObject({
      encoding: 'identity',
      storedSize: dropped.size,
    });
    await queue.arriveAll('dropped.txt');
    expect(queue.item('dropped.txt')).toMatchObject({ status: 'done', sentBytes: dropped.size });
  });

  test('small files go whole, without a session; larger ones in a session', async () => {
    queue.transport.takeWholeFiles(8);
    queue.manager.add([
      { file: fileOf('a.bin', 2), parentId: 'drop' },
      { file: fileOf('b.bin', 3), parentId: 'drop' },
    ]);
    await settle();
    expect(queue.item('a.bin')).toMatchObject({ status: 'done', sentBytes: 8, totalBytes: 8 });
    expect(await queue.transport.sentWhole[0]?.body.text()).toBe('a01.a02.');
    expect(queue.transport.calls).toEqual(['whole a.bin', 'create b.bin']);
    await queue.arriveAll('b.bin');
    expect(queue.item('b.bin').status).toBe('done');
    expect(queue.committed).toEqual(['drop', 'drop']);
  });
});
