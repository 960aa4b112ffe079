export type TimerHandle = ReturnType<typeof setTimeout>;

/** Time for the upload queue: back-off between attempts, how often progress is shown, speed. */
export interface Clock {
  /** Milliseconds, only ever growing. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** The page's own timers (what `vi.useFakeTimers` replaces in tests). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

export const abortError = () => new DOMException('Aborted', 'AbortError');

export const isAbort = (error: unknown) => error instanceof DOMException && error.name === 'AbortError';

/** Resolves after `ms`; rejects with an AbortError as soon as `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const stop = () => {
      clock.clearTimeout(timer);
      reject(abortError());
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve();
    }, ms);
    signal.addEventListener('abort', stop, { once: true });
  });
}
