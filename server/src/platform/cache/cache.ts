/**
 * A read-aside cache. Values are JSON (Dates survive the round trip). A cache never fails a
 * request: a driver that can't reach its server answers "miss" and drops writes.
 */
export interface Cache {
  readonly driver: 'memory' | 'redis' | 'none';
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  /**
   * The cached value, or what `loader` reads from the source of truth, cached. The loaded value is
   * stored only if nothing deleted the key while it was being read, so that a read racing a write
   * can't put back what the write just invalidated.
   */
  load<T>(key: string, ttlSeconds: number, loader: () => Promise<T | undefined>): Promise<T | undefined>;
  /** Throws when the cache's server can't be reached (for the readiness check). */
  check(): Promise<void>;
  close(): Promise<void>;
}

const DATE_TAG = '$date';
/**
 * Marks a key whose value is being read from the source of truth. Encoded values are JSON, which
 * never starts with this character.
 */
export const LOADING_MARK = '~loading:';
/** Long enough for any read of the database; a crashed reader's mark goes away by itself. */
export const LOADING_TTL_SECONDS = 30;

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
    load: (_key, _ttl, loader) => loader(),
    check: async () => {},
    close: async () => {},
  };
}
