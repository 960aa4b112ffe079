/**
 * What a server process sets up before it loads the first of the app's modules, in plain
 * JavaScript so that it runs before any TypeScript is loaded: the C library's allocator settings,
 * which glibc reads only from the environment a process starts with, and Node's compile cache.
 */
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * glibc's malloc as a small server wants it: two arenas rather than one for each of the threads
 * that allocate (V8's, libuv's), and freed memory at the top of an arena given back past 128 KiB
 * (a fixed threshold, where glibc's default climbs with the largest block freed so far). The
 * embedded server idles some 7 MiB lower with them (bench:footprint). Fixing the trim threshold
 * fixes the mmap threshold too, at 128 KiB: blocks up to 2 MiB (the copy buffers of downloads and
 * of the digest thread) stay in the arenas, because a block mapped on its own starts 16 bytes into
 * a page, as the page cache's pages start at its beginning, and the kernel's copies between
 * buffers at such offsets cost twice the CPU (docs/architecture.md).
 */
const MALLOC_TUNABLES =
  'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072:glibc.malloc.mmap_threshold=2097152';

/**
 * Starts this same process again (the same pid, arguments and node flags) with the allocator's
 * settings in its environment, unless they are there already or the operator set glibc's arena
 * count: `npm start`, the image, the tests and `node src/main.mjs` all get them this way, and a
 * start script can stay a bare `node` command, which works wherever npm does. Costs some 30 ms of
 * start-up; does nothing off Linux or where Node can't replace its process.
 */
export function restartWithMallocTunables() {
  const tunables = process.env.GLIBC_TUNABLES ?? '';
  if (process.platform !== 'linux' || typeof process.execve !== 'function') return;
  if (tunables.includes('glibc.malloc.arena_max')) return;
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    ...process.env,
    GLIBC_TUNABLES: tunables === '' ? MALLOC_TUNABLES : `${tunables}:${MALLOC_TUNABLES}`,
  });
}

/**
 * V8's compiled code for every module (the types already stripped), kept between starts: an existing
 * data directory's start takes some 0.13 s less CPU with it, and Node's type stripper (some 13 MiB
 * for the process's whole life) is not loaded at all. In NODE_COMPILE_CACHE, else beside the
 * installed packages, never in the shared temporary directory (where another user could plant code
 * for it to load). A folder that cannot be written only turns the cache off.
 */
export function enableServerCompileCache() {
  enableCompileCache(
    process.env.NODE_COMPILE_CACHE ||
      fileURLToPath(new URL('../../../node_modules/.cache/fileshare-compile', import.meta.url)),
  );
}
