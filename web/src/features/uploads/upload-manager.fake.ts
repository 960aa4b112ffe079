import { afterEach, beforeEach, vi } from 'vitest';
import { systemClock } from './clock';
import { UploadManager } from './upload-manager';
import { FakeTransport, type PartInFlight } from './upload-transport.fake';

/** Lets every promise that can move on do so, without moving the clock. */
export const settle = async () => {
  for (let round = 0; round < 5; round++) await vi.advanceTimersByTimeAsync(0);
};

export const numbersOf = (parts: PartInFlight[]) => parts.map((part) => part.number).sort((a, b) => a - b);

/**
 * A fresh upload queue on a fake transport for every test of the file that calls this, with time
 * moving only when the test says.
 */
export function uploadQueueUnderTest() {
  const queue = {
    transport: new FakeTransport(),
    manager: undefined as unknown as UploadManager,
    /** The folders a file was recorded in, in order. */
    committed: [] as string[],
    /** The upload of that name, as the page sees it. */
    item(name: string) {
      const found = queue.manager.getSnapshot().find((each) => each.name === name);
      if (!found) throw new Error(`${name} is not in the queue`);
      return found;
    },
    /** Lets every part of that file arrive, and the ones sent after them, until none is left. */
    async arriveAll(name: string) {
      for (
        let parts = queue.transport.partsOf(name);
        parts.length > 0;
        parts = queue.transport.partsOf(name)
      ) {
        for (const part of parts) part.arrive();
        await settle();
      }
    },
  };

  beforeEach(() => {
    vi.useFakeTimers();
    queue.transport = new FakeTransport();
    queue.committed = [];
    // systemClock calls the timers that vi.useFakeTimers has just replaced.
    queue.manager = new UploadManager({
      transport: queue.transport,
      clock: systemClock,
      onFileCommitted: (parentId) => queue.committed.push(parentId),
    });
    queue.manager.connect();
  });

  afterEach(() => {
    queue.manager.disconnect();
    vi.useRealTimers();
  });

  return queue;
}
