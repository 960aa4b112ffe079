/** Where an installed package is and which version it is, as Node's resolution finds it from here. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The folder of an installed package, found from where Node resolves its entry point (a `require`
 * resolution, which the server's module-loading hook leaves to Node).
 */
export function packageFolder(name: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  const marker = `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`${name} is not installed under a node_modules folder`);
  return entry.slice(0, at + marker.length - 1);
}

/** An installed package's version. */
export function packageVersion(name: string): string {
  const file = path.join(packageFolder(name), 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
