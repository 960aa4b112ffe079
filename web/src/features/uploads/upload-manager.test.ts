import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { systemClock } from './clock';
import { UploadManager } from './upload-manager';
import { FakeTransport, fileOf, type PartInFlight } from './upload-transport.fake';

/** Lets every promise that can move on do so, without moving the clock. */
const settle = async () => {
  for (let round = 0; round < 5; round++) await vi.advanceTimersByTimeAsync(0);
};

let transport: FakeTransport;
let manager: UploadManager;
let committed: string[];

const item = (name: string) => {
  const found = manager.getSnapshot().find((each) => each.name === name);
  if (!found) throw new Error(`${name} is not in the queue`);
  return found;
};

const numbersOf = (parts: PartInFlight[]) => parts.map((part) => part.number).sort((a, b) => a - b);

async function arriveAll(name: string) {
  for (let parts = transport.partsOf(name); parts.length > 0; parts = transport.partsOf(name)) {
    for (const part of parts) part.arrive();
    await settle();
  }
}

/** Queues a.bin, b.bin and c.bin of `parts` parts each, and lets what can start start. */
async function queueThree(parts: number) {
  manager.add(['a.bin', 'b.bin', 'c.bin'].map((name) => ({ file: fileOf(name, parts), parentId: 'root' })));
  await settle();
}

/** The parts of a.bin that were in flight were stopped, and its slot went to c.bin. */
function expectStoppedForC(parts: PartInFlight[]) {
  expect(parts.every((part) => part.signal.aborted)).toBe(true);
  expect(transport.partsOf('a.bin')).toHaveLength(0);
  expect(transport.partsOf('c.bin')).toHaveLength(4);
}

/** Sends a.bin of two parts: the first arrives, the second is refused with `status`. */
async function secondOfTwoPartsFails(status: number) {
  manager.add([{ file: fileOf('a.bin', 2), parentId: 'root' }]);
  await settle();
  transport.part('a.bin', 1).arrive();
  transport.part('a.bin', 2).fail(status);
  await settle();
}

beforeEach(() => {
  vi.useFakeTimers();
  transport = new FakeTransport();
  committed = [];
  // systemClock calls the timers that vi.useFakeTimers has just replaced: time moves only when a test says.
  manager = new UploadManager({
    transport,
    clock: systemClock,
    onFileCommitted: (parentId) => committed.push(parentId),
  });
  manager.connect();
});

afterEach(() => {
  manager.disconnect();
  vi.useRealTimers();
});

describe('scheduling', () => {
  test('four parts of a file are in flight at once, and two files at a time', async () => {
    await queueThree(10);

    expect(transport.calls).toEqual(['create a.bin', 'create b.bin']);
    expect(numbersOf(transport.partsOf('a.bin'))).toEqual([1, 2, 3, 4]);
    expect(numbersOf(transport.partsOf('b.bin'))).toEqual([1, 2, 3, 4]);
    expect(item('c.bin').status).toBe('queued');

    transport.part('a.bin', 2).arrive();
    await settle();
    expect(numbersOf(transport.partsOf('a.bin'))).toEqual([1, 3, 4, 5]);

    await arriveAll('a.bin');
    expect(transport.calls).toEqual(['create a.bin', 'create b.bin', 'complete s1', 'create c.bin']);
    expect(item('a.bin')).toMatchObject({ status: 'done', sentBytes: 40, totalBytes: 40 });
    expect(committed).toEqual(['root']);
    expect(numbersOf(transport.partsOf('c.bin'))).toEqual([1, 2, 3, 4]);
    expect(transport.partsOf('b.bin')).toHaveLength(4);
  });

  test('each part carries its own bytes, to the API with credentials', async () => {
    manager.add([{ file: fileOf('a.bin', 3), parentId: 'folder-1' }]);
    await settle();

    const parts = transport.partsOf('a.bin');
    expect(await Promise.all(parts.map((part) => part.body.text()))).toEqual(['a01.', 'a02.', 'a03.']);
    expect(parts.every((part) => part.onTheApi)).toBe(true);
    expect(transport.sessions.get('s1')?.request).toMatchObject({
      parentId: 'folder-1',
      name: 'a.bin',
      size: 12,
      storedSize: 12,
      encoding: 'identity',
      onConflict: 'rename',
    });
  });

  test('progress reaches the queue at most every 250 ms', async () => {
    manager.add([{ file: fileOf('a.bin', 3), parentId: 'root' }]);
    await settle();
    const [first] = transport.partsOf('a.bin');
    first?.onProgress(3);
    expect(item('a.bin').sentBytes).toBe(0);
    await vi.advanceTimersByTimeAsync(249);
    expect(item('a.bin').sentBytes).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(item('a.bin').sentBytes).toBe(3);
  });
});

describe('retries', () => {
  test('a failed part is sent again after 1, 2 and 4 s, each time to a fresh URL, then the upload fails', async () => {
    manager.add([{ file: fileOf('a.bin', 1), parentId: 'root' }]);
    await settle();

    for (const [attempt, wait] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
    ] as const) {
      const [part] = transport.partsOf('a.bin');
      expect(part?.url).toBe(`https://api.test/s1/parts/1?v=${attempt}`);
      part?.fail(503);
      await settle();
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(transport.partsOf('a.bin')).toHaveLength(0);
      expect(item('a.bin').status).toBe('uploading');
      await vi.advanceTimersByTimeAsync(1);
      await settle();
      expect(transport.partsOf('a.bin')).toHaveLength(1);
    }
    transport.partsOf('a.bin')[0]?.fail(503);
    await settle();

    expect(item('a.bin')).toMatchObject({ status: 'failed', error: 'Refused with 503.' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(transport.partsOf('a.bin')).toHaveLength(0);
    expect(transport.calls).toEqual(['create a.bin', 'get s1', 'get s1', 'get s1']);
  });

  test('after a 403 (the URL expired) the part goes to a fresh URL and the upload finishes', async () => {
    await secondOfTwoPartsFails(403);
    await vi.advanceTimersByTimeAsync(1000);
    await settle();

    const [again] = transport.partsOf('a.bin');
    expect(again).toMatchObject({ number: 2, url: 'https://api.test/s1/parts/2?v=2' });
    again?.arrive();
    await settle();
    expect(item('a.bin').status).toBe('done');
    expect(transport.calls).toEqual(['create a.bin', 'get s1', 'complete s1']);
  });

  test('a part refused for good (400) fails the upload at once, and the next file starts', async () => {
    await queueThree(2);
    transport.partsOf('a.bin')[0]?.fail(400);
    await settle();

    expect(item('a.bin')).toMatchObject({ status: 'failed', error: 'Refused with 400.' });
    expect(transport.calls).toEqual(['create a.bin', 'create b.bin', 'create c.bin']);
    // The part still in flight of the failed upload is not waited for.
    expect(transport.partsOf('c.bin')).toHaveLength(2);
  });

  test('retry starts a failed upload again, continuing its session', async () => {
    await secondOfTwoPartsFails(400);
    expect(item('a.bin').status).toBe('failed');

    manager.retry(item('a.bin').key);
    await settle();
    expect(numbersOf(transport.partsOf('a.bin'))).toEqual([2]);
    await arriveAll('a.bin');
    expect(item('a.bin').status).toBe('done');
    expect(transport.calls).toEqual(['create a.bin', 'get s1', 'complete s1']);
  });

  test('failed uploads start again by themselves when the connection comes back', async () => {
    manager.add(['a.bin', 'b.bin'].map((name) => ({ file: fileOf(name, 1), parentId: 'root' })));
    await settle();
    for (const wait of [1000, 2000, 4000, 0]) {
      for (const part of transport.inFlight) part.fail(0);
      await settle();
      await vi.advanceTimersByTimeAsync(wait);
      await settle();
    }
    expect(manager.getSnapshot().map((each) => each.status)).toEqual(['failed', 'failed']);
    expect(transport.inFlight).toHaveLength(0);

    transport.reconnect();
    await settle();
    expect(manager.getSnapshot().map((each) => each.status)).toEqual(['uploading', 'uploading']);
    await arriveAll('a.bin');
    await arriveAll('b.bin');
    expect(manager.getSnapshot().map((each) => each.status)).toEqual(['done', 'done']);
  });
});

describe('pause, resume, cancel', () => {
  test('pause stops the parts in flight; resume sends only the parts that had not arrived', async () => {
    await queueThree(10);
    const first = transport.partsOf('a.bin');
    for (const part of first.filter((part) => part.number <= 2)) part.arrive();
    await settle();
    const inFlight = transport.partsOf('a.bin');

    manager.pause(item('a.bin').key);
    await settle();
    expect(item('a.bin').status).toBe('paused');
    expectStoppedForC(inFlight);

    await arriveAll('b.bin');
    manager.resume(item('a.bin').key);
    await settle();
    expect(item('a.bin').status).toBe('uploading');
    expect(numbersOf(transport.partsOf('a.bin'))).toEqual([3, 4, 5, 6]);
    await arriveAll('a.bin');
    expect(item('a.bin')).toMatchObject({ status: 'done', sentBytes: 40 });
    expect(transport.calls.filter((call) => call.includes('s1'))).toEqual(['get s1', 'complete s1']);
    expect(transport.calls.filter((call) => call.startsWith('create'))).toHaveLength(3);
  });

  test('a pause during the back-off sends nothing more', async () => {
    manager.add([{ file: fileOf('a.bin', 1), parentId: 'root' }]);
    await settle();
    transport.partsOf('a.bin')[0]?.fail(500);
    await settle();
    manager.pause(item('a.bin').key);
    await vi.advanceTimersByTimeAsync(10_000);
    await settle();

    expect(item('a.bin').status).toBe('paused');
    expect(transport.inFlight).toHaveLength(0);
    expect(transport.calls).toEqual(['create a.bin']);
  });

  test('cancel stops the parts, aborts the session and frees the slot', async () => {
    await queueThree(10);
    const inFlight = transport.partsOf('a.bin');

    manager.cancel(item('a.bin').key);
    await settle();
    expect(item('a.bin').status).toBe('canceled');
    expectStoppedForC(inFlight);
    expect(transport.calls).toContain('abort s1');
    expect(transport.sessions.get('s1')?.status).toBe('aborted');

    manager.clearFinished();
    expect(manager.getSnapshot().map((each) => each.name)).toEqual(['b.bin', 'c.bin']);
  });

  test('signing out stops every transfer, empties the queue and stops watching the connection', async () => {
    manager.add(['a.bin', 'b.bin'].map((name) => ({ file: fileOf(name, 10), parentId: 'root' })));
    await settle();
    const inFlight = [...transport.inFlight];

    manager.disconnect();
    await settle();
    expect(inFlight).toHaveLength(8);
    expect(inFlight.every((part) => part.signal.aborted)).toBe(true);
    expect(manager.getSnapshot()).toEqual([]);
    expect(transport.reconnectListeners.size).toBe(0);
    // The sessions stay on the server, for the same user to continue.
    expect(transport.calls.some((call) => call.startsWith('abort'))).toBe(false);
  });
});

describe('after a reload', () => {
  const request = {
    parentId: 'folder-1',
    name: 'a.bin',
    size: 40,
    storedSize: 40,
    encoding: 'identity' as const,
  };
  const listed = (id: string) => {
    const { parts: _parts, uploadedParts: _uploaded, ...session } = transport.describe(id);
    return session;
  };

  test('an unfinished session shows how far it got, and the same file picked again continues from its parts', async () => {
    const id = transport.seed(request, [1, 2, 3]);
    manager.adoptUnfinished([listed(id)]);
    await settle();
    expect(item('a.bin')).toMatchObject({
      status: 'needs-file',
      sentBytes: 12,
      totalBytes: 40,
      sessionId: id,
    });

    expect(manager.attachFile(item('a.bin').key, fileOf('a.bin', 9))).toMatch(/not the same file/);
    manager.add([{ file: fileOf('a.bin', 10), parentId: 'folder-1' }]);
    await settle();

    expect(manager.getSnapshot()).toHaveLength(1);
    expect(numbersOf(transport.partsOf('a.bin'))).toEqual([4, 5, 6, 7]);
    expect(item('a.bin').sentBytes).toBe(12);
    await arriveAll('a.bin');
    expect(item('a.bin').status).toBe('done');
    expect(committed).toEqual(['folder-1']);
    expect(transport.calls.filter((call) => call.startsWith('create'))).toEqual([]);
    expect(transport.calls.at(-1)).toBe(`complete ${id}`);
  });

  test('a file in another folder, or a session seen already, is not taken for it', async () => {
    const id = transport.seed(request, [1]);
    manager.adoptUnfinished([listed(id)]);
    manager.adoptUnfinished([listed(id)]);
    manager.add([{ file: fileOf('a.bin', 10), parentId: 'root' }]);
    await settle();

    expect(manager.getSnapshot().map((each) => each.status)).toEqual(['needs-file', 'uploading']);
    expect(transport.calls).toContain('create a.bin');
  });

  test('a session that is gone meanwhile is started afresh', async () => {
    const id = transport.seed(request, [1, 2]);
    manager.adoptUnfinished([listed(id)]);
    await settle();
    transport.sessions.delete(id);
    manager.attachFile(item('a.bin').key, fileOf('a.bin', 10));
    await settle();

    expect(transport.calls.slice(-2)).toEqual([`get ${id}`, 'create a.bin']);
    expect(numbersOf(transport.partsOf('a.bin'))).toEqual([1, 2, 3, 4]);
  });
});
