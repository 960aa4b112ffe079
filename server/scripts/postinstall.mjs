// On install: makes the PGlite template (src/platform/database/pglite-template.ts) and the bundles of
// the packages the server loads as one module each (src/platform/module-bundles.ts). Plain
// JavaScript, as the node running npm may be older than the server's: both are made by a Node that
// can run the server (this one, or the repo's pinned `node` package). Without one, or if making
// either fails, the install goes on: the server then runs initdb for a new data directory, and loads
// those packages as they are, as it would without them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const server = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pinned = path.join(server, '..', 'node_modules', 'node', 'bin', 'node');
const node = Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : pinned;

/** Runs one of the server's install steps; false if it failed. */
function step(args) {
  return spawnSync(node, args, { cwd: server, stdio: 'inherit' }).status === 0;
}

if (!existsSync(node)) {
  console.warn(
    'fileshare: no Node 24 to make the PGlite template with; new data directories will run initdb',
  );
} else {
  if (!step(['--liftoff-only', '--max-semi-space-size=2', 'src/platform/database/pglite-template.cli.ts']))
    console.warn('fileshare: the PGlite template was not made; new data directories will run initdb');
  if (!step(['src/platform/module-bundles.cli.ts']))
    console.warn('fileshare: the module bundles were not made; the server loads those packages as they are');
}
