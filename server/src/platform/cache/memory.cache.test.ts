import { cacheSuite } from './cache.test-suite.ts';
import { createMemoryCache } from './memory.cache.ts';

cacheSuite('in-process', async () => {
  const cache = createMemoryCache();
  return { cache, close: () => cache.close() };
});
