import type { Server } from 'node:http';

/**
 * A garbage collection that gives the operating system back what the heap no longer uses. V8 keeps
 * the pages a collection frees for its next allocations, resident, until a collection that reduces
 * memory releases them; a process that loaded its modules and answered a few requests holds tens of
 * MiB of such pages (bench:footprint measures it).
 */
export type ReleaseMemory = () => Promise<void>;

/**
 * V8's memory-reducing collection, which `node --expose-gc` (the start script's flag) makes
 * callable; undefined without the flag. It runs as a task of its own, off the caller's stack.
 */
export function memoryReducingCollection(): ReleaseMemory | undefined {
  const gc = (globalThis as { gc?: (options: object) => Promise<void> | undefined }).gc;
  if (typeof gc !== 'function') return undefined;
  return async () => {
    await gc({ type: 'major', execution: 'async', flavor: 'last-resort' });
  };
}

export interface IdleRelease {
  /** How many times memory was released since the start. */
  releases(): number;
  stop(): void;
}

/**
 * Releases memory once each time the server falls idle: no request open (an answer still streaming
 * counts) for `idleMs` after at least one came since the last release. A drive on a small machine
 * is idle most of the time; the collection costs tens of milliseconds of one core, at most once an
 * idle period, and the pages come back as soon as they are needed.
 */
export function releaseMemoryWhenIdle(
  server: Server,
  options: {
    idleMs: number;
    release: ReleaseMemory;
    onReleased?: (released: { ms: number }) => void;
    /** A release that failed; the server goes on, and tries again after its next idle period. */
    onFailed?: (error: unknown) => void;
  },
): IdleRelease {
  let open = 0;
  let activeSinceRelease = true; // the start itself loaded every module
  let releases = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const arm = () => {
    clearTimeout(timer);
    if (stopped || open > 0 || !activeSinceRelease) return;
    // A request that comes clears the timer, so it only fires after `idleMs` with none open.
    timer = setTimeout(() => {
      activeSinceRelease = false;
      const started = performance.now();
      options.release().then(
        () => {
          releases++;
          options.onReleased?.({ ms: performance.now() - started });
        },
        (error: unknown) => options.onFailed?.(error),
      );
    }, options.idleMs);
    timer.unref();
  };
  const onRequest = (_request: unknown, response: { once(event: 'close', listener: () => void): void }) => {
    open++;
    activeSinceRelease = true;
    clearTimeout(timer);
    response.once('close', () => {
      open--;
      arm();
    });
  };
  server.on('request', onRequest);
  arm();
  return {
    releases: () => releases,
    stop() {
      stopped = true;
      clearTimeout(timer);
      server.off('request', onRequest);
    },
  };
}
