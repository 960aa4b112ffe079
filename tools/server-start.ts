/**
 * The server as its package's `start` script runs it (`node <flags> src/main.mjs`), for everything
 * that starts the server without npm: the tests, the benchmarks, `npm run cluster`. Its node flags
 * (the WebAssembly compiler, the young generation's size, the collection that releases idle memory)
 * are part of how the product runs, so they are read from the script rather than written again.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const SERVER_DIR = path.resolve(import.meta.dirname, '..', 'server');

/** The start script's arguments for node, the entry point made absolute: `['--flag', '/…/server/src/main.mjs']`. */
export function serverStartArgs(serverDir = SERVER_DIR): string[] {
  const manifest = JSON.parse(readFileSync(path.join(serverDir, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [program, ...args] = manifest.scripts.start.trim().split(/\s+/);
  if (program !== 'node') throw new Error(`the server's start script does not run node: ${program}`);
  return args.map((arg) => (arg.startsWith('-') ? arg : path.resolve(serverDir, arg)));
}

/** The start script's node flags alone. */
export function serverStartFlags(serverDir = SERVER_DIR): string[] {
  return serverStartArgs(serverDir).filter((arg) => arg.startsWith('-'));
}
