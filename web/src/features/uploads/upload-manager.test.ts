import { describe, expect, test, vi } from 'vitest';
import { numbersOf, settle, uploadQueueUnderTest } from './upload-manager.fake';
import { fileOf, type PartInFlight } from './upload-transport.fake';

const queue = uploadQueueUnderTest();

/** Queues a.bin, b.bin and c.bin of `parts` parts each, and lets what can start start. */
async function queueThree(parts: number) {
  queue.manager.add(
    ['a.bin', 'b.bin', 'c.bin'].map((name) => ({ file: fileOf(name, parts), parentId: 'root' })),
  );
  await settle();
}

/** The parts of a.bin that were in flight were stopped, and its slot went to c.bin. */
function expectStoppedForC(parts: PartInFlight[]) {
  expect(parts.every((part) => part.signal.aborted)).toBe(true);
  expect(queue.transport.partsOf('a.bin')).toHaveLength(0);
  expect(queue.transport.partsOf('c.bin')).toHaveLength(4);
}

/** Sends a.bin of two parts: the first arrives, the second is refused with `status`. */
async function secondOfTwoPartsFails(status: number) {
  queue.manager.add([{ file: fileOf('a.bin', 2), parentId: 'root' }]);
  await settle();
  queue.transport.part('a.bin', 1).arrive();
  queue.transport.part('a.bin', 2).fail(status);
  await settle();
}

describe('scheduling', () => {
  test('four parts of a file are in flight at once, and two files at a time', async () => {
    await queueThree(10);

    expect(queue.transport.calls).toEqual(['create a.bin', 'create b.bin']);
    expect(numbersOf(queue.transport.partsOf('a.bin'))).toEqual([1, 2, 3, 4]);
    expect(numbersOf(queue.transport.partsOf('b.bin'))).toEqual([1, 2, 3, 4]);
    expect(queue.item('c.bin').status).toBe('queued');

    queue.transport.part('a.bin', 2).arrive();
    await settle();
    expect(numbersOf(queue.transport.partsOf('a.bin'))).toEqual([1, 3, 4, 5]);

    await queue.arriveAll('a.bin');
    expect(queue.transport.calls).toEqual(['create a.bin', 'create b.bin', 'complete s1', 'create c.bin']);
    expect(queue.item('a.bin')).toMatchObject({ status: 'done', sentBytes: 40, totalBytes: 40 });
    expect(queue.committed).toEqual(['root']);
    expect(numbersOf(queue.transport.partsOf('c.bin'))).toEqual([1, 2, 3, 4]);
    expect(queue.transport.partsOf('b.bin')).toHaveLength(4);
  });

  test('each part carries its own bytes, to the API with credentials', async () => {
    queue.manager.add([{ file: fileOf('a.bin', 3), parentId: 'folder-1' }]);
    await settle();

    const parts = queue.transport.partsOf('a.bin');
    expect(await Promise.all(parts.map((part) => part.body.text()))).toEqual(['a01.', 'a02.', 'a03.']);
    expect(parts.every((part) => part.onTheApi)).toBe(true);
    expect(queue.transport.sessions.get('s1')?.request).toMatchObject({
      parentId: 'folder-1',
      name: 'a.bin',
      size: 12,
      storedSize: 12,
      encoding: 'identity',
      onConflict: 'rename',
    });
  });

  test('progress reaches the queue at most every 250 ms', async () => {
    queue.manager.add([{ file: fileOf('a.bin', 3), parentId: 'root' }]);
    await settle();
    const [first] = queue.transport.partsOf('a.bin');
    first?.onProgress(3);
    expect(queue.item('a.bin').sentBytes).toBe(0);
    await vi.advanceTimersByTimeAsync(249);
    expect(queue.item('a.bin').sentBytes).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(queue.item('a.bin').sentBytes).toBe(3);
  });
});

describe('retries', () => {
  test('a failed part is sent again after 1, 2 and 4 s, each time to a fresh URL, then the upload fails', async () => {
    queue.manager.add([{ file: fileOf('a.bin', 1), parentId: 'root' }]);
    await settle();

    for (const [attempt, wait] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
    ] as const) {
      const [part] = queue.transport.partsOf('a.bin');
      expect(part?.url).toBe(`https://api.test/s1/parts/1?v=${attempt}`);
      part?.fail(503);
      await settle();
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(queue.transport.partsOf('a.bin')).toHaveLength(0);
      expect(queue.item('a.bin').status).toBe('uploading');
      await vi.advanceTimersByTimeAsync(1);
      await settle();
      expect(queue.transport.partsOf('a.bin')).toHaveLength(1);
    }
    queue.transport.partsOf('a.bin')[0]?.fail(503);
    await settle();

    expect(queue.item('a.bin')).toMatchObject({ status: 'failed', error: 'Refused with 503.' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(queue.transport.partsOf('a.bin')).toHaveLength(0);
    expect(queue.transport.calls).toEqual(['create a.bin', 'get s1', 'get s1', 'get s1']);
  });

  test('after a 403 (the URL expired) the part goes to a fresh URL and the upload finishes', async () => {
    await secondOfTwoPartsFails(403);
    await vi.advanceTimersByTimeAsync(1000);
    await settle();

    const [again] = queue.transport.partsOf('a.bin');
    expect(again).toMatchObject({ number: 2, url: 'https://api.test/s1/parts/2?v=2' });
    again?.arrive();
    await settle();
    expect(queue.item('a.bin').status).toBe('done');
    expect(queue.transport.calls).toEqual(['create a.bin', 'get s1', 'complete s1']);
  });

  test('a part refused for good (400) fails the upload at once, and the next file starts', async () => {
    await queueThree(2);
    queue.transport.partsOf('a.bin')[0]?.fail(400);
    await settle();

    expect(queue.item('a.bin')).toMatchObject({ status: 'failed', error: 'Refused with 400.' });
    expect(queue.transport.calls).toEqual(['create a.bin', 'create b.bin', 'create c.bin']);
    // The part still in flight of the failed upload is not waited for.
    expect(queue.transport.partsOf('c.bin')).toHaveLength(2);
  });

  test('retry starts a failed upload again, continuing its session', async () => {
    await secondOfTwoPartsFails(400);
    expect(queue.item('a.bin').status).toBe('failed');

    queue.manager.retry(queue.item('a.bin').key);
    await settle();
    expect(numbersOf(queue.transport.partsOf('a.bin'))).toEqual([2]);
    await queue.arriveAll('a.bin');
    expect(queue.item('a.bin').status).toBe('done');
    expect(queue.transport.calls).toEqual(['create a.bin', 'get s1', 'complete s1']);
  });

  test('failed uploads start again by themselves when the connection comes back', async () => {
    queue.manager.add(['a.bin', 'b.bin'].map((name) => ({ file: fileOf(name, 1), parentId: 'root' })));
    await settle();
    for (const wait of [1000, 2000, 4000, 0]) {
      for (const part of queue.transport.inFlight) part.fail(0);
      await settle();
      await vi.advanceTimersByTimeAsync(wait);
      await settle();
    }
    expect(queue.manager.getSnapshot().map((each) => each.status)).toEqual(['failed', 'failed']);
    expect(queue.transport.inFlight).toHaveLength(0);

    queue.transport.reconnect();
    await settle();
    expect(queue.manager.getSnapshot().map((each) => each.status)).toEqual(['uploading', 'uploading']);
    await queue.arriveAll('a.bin');
    await queue.arriveAll('b.bin');
    expect(queue.manager.getSnapshot().map((each) => each.status)).toEqual(['done', 'done']);
  });
});

describe('pause, resume, cancel', () => {
  test('pause stops the parts in flight; resume sends only the parts that had not arrived', async () => {
    await queueThree(10);
    const first = queue.transport.partsOf('a.bin');
    for (const part of first.filter((part) => part.number <= 2)) part.arrive();
    await settle();
    const inFlight = queue.transport.partsOf('a.bin');

    queue.manager.pause(queue.item('a.bin').key);
    await settle();
    expect(queue.item('a.bin').status).toBe('paused');
    expectStoppedForC(inFlight);

    await queue.arriveAll('b.bin');
    queue.manager.resume(queue.item('a.bin').key);
    await settle();
    expect(queue.item('a.bin').status).toBe('uploading');
    expect(numbersOf(queue.transport.partsOf('a.bin'))).toEqual([3, 4, 5, 6]);
    await queue.arriveAll('a.bin');
    expect(queue.item('a.bin')).toMatchObject({ status: 'done', sentBytes: 40 });
    expect(queue.transport.calls.filter((call) => call.includes('s1'))).toEqual(['get s1', 'complete s1']);
    expect(queue.transport.calls.filter((call) => call.startsWith('create'))).toHaveLength(3);
  });

  test('a pause during the back-off sends nothing more', async () => {
    queue.manager.add([{ file: fileOf('a.bin', 1), parentId: 'root' }]);
    await settle();
    queue.transport.partsOf('a.bin')[0]?.fail(500);
    await settle();
    queue.manager.pause(queue.item('a.bin').key);
    await vi.advanceTimersByTimeAsync(10_000);
    await settle();

    expect(queue.item('a.bin').status).toBe('paused');
    expect(queue.transport.inFlight).toHaveLength(0);
    expect(queue.transport.calls).toEqual(['create a.bin']);
  });

  test('cancel stops the parts, aborts the session and frees the slot', async () => {
    await queueThree(10);
    const inFlight = queue.transport.partsOf('a.bin');

    queue.manager.cancel(queue.item('a.bin').key);
    await settle();
    expect(queue.item('a.bin').status).toBe('canceled');
    expectStoppedForC(inFlight);
    expect(queue.transport.calls).toContain('abort s1');
    expect(queue.transport.sessions.get('s1')?.status).toBe('aborted');

    queue.manager.clearFinished();
    expect(queue.manager.getSnapshot().map((each) => each.name)).toEqual(['b.bin', 'c.bin']);
  });

  test('cancel while the session is being made aborts that session once it is there', async () => {
    let answer = () => {};
    queue.transport.creating = new Promise((resolve) => {
      answer = resolve;
    });
    queue.manager.add([{ file: fileOf('a.bin', 2), parentId: 'root' }]);
    await settle();
    expect(queue.transport.calls).toEqual(['create a.bin']);

    queue.manager.cancel(queue.item('a.bin').key);
    answer();
    await settle();
    expect(queue.item('a.bin').status).toBe('canceled');
    expect(queue.transport.sessions.get('s1')?.status).toBe('aborted');
    expect(queue.transport.inFlight).toHaveLength(0);
  });

  test('signing out stops every transfer, empties the queue and stops watching the connection', async () => {
    queue.manager.add(['a.bin', 'b.bin'].map((name) => ({ file: fileOf(name, 10), parentId: 'root' })));
    await settle();
    const inFlight = [...queue.transport.inFlight];

    queue.manager.disconnect();
    await settle();
    expect(inFlight).toHaveLength(8);
    expect(inFlight.every((part) => part.signal.aborted)).toBe(true);
    expect(queue.manager.getSnapshot()).toEqual([]);
    expect(queue.transport.reconnectListeners.size).toBe(0);
    // The sessions stay on the server, for the same user to continue.
    expect(queue.transport.calls.some((call) => call.startsWith('abort'))).toBe(false);
  });
});
