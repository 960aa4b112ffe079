/**
 * A read-aside cache. Values are JSON (Dates survive the round trip). A cache never fails a
 * request: a driver that can't reach its server answers "miss" and drops writes.
 */
export interface Cache {
  readonly driver: 'memory' | 'redis' | 'none';
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  /** Throws when the cache's server can't be reached (for the readiness check). */
  check(): Promise<void>;
  close(): Promise<void>;
}

const DATE_TAG = '$date';

export function encodeCacheValue(value: unknown): string {
  return JSON.stringify(value, function replace(this: Record<string, unknown>, key, current) {
    const original = this[key];
    return original instanceof Date ? { [DATE_TAG]: original.toISOString() } : current;
  });
}

export function decodeCacheValue<T>(text: string): T {
  return JSON.parse(text, (_key, current) => {
    if (current !== null && typeof current === 'object' && Object.keys(current).length === 1) {
      const iso = (current as Record<string, unknown>)[DATE_TAG];
      if (typeof iso === 'string') return new Date(iso);
    }
    return current;
  }) as T;
}

/** No cache at all: every read misses. For measuring what the cache is worth (CACHE_ENABLED=false). */
export function createNoCache(): Cache {
  return {
    driver: 'none',
    get: async () => undefined,
    set: async () => {},
    delete: async () => {},
    check: async () => {},
    close: async () => {},
  };
}
