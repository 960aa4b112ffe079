// On install: makes the PGlite template (src/platform/database/pglite-template.ts). Plain JavaScript,
// as the node running npm may be older than the server's: the template is made by a Node that can
// run the server (this one, or the repo's pinned `node` package). Without one, or if making it fails,
// the install goes on: the server then runs initdb for a new data directory, as it would without one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const server = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pinned = path.join(server, '..', 'node_modules', 'node', 'bin', 'node');
const node = Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : pinned;
if (!existsSync(node)) {
  console.warn(
    'fileshare: no Node 24 to make the PGlite template with; new data directories will run initdb',
  );
} else {
  const made = spawnSync(
    node,
    ['--liftoff-only', '--max-semi-space-size=2', 'src/platform/database/pglite-template.cli.ts'],
    {
      cwd: server,
      stdio: 'inherit',
    },
  );
  if (made.status !== 0)
    console.warn('fileshare: the PGlite template was not made; new data directories will run initdb');
}
