// `npm start` at the root builds the web client first when web/dist is missing (a fresh clone), and
// never otherwise: a start is quick, and a stale build is rebuilt with `npm run build`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const index = fileURLToPath(new URL('../dist/index.html', import.meta.url));
if (!existsSync(index)) {
  console.log('The web client is not built yet: building it (npm run build -w web)…');
  const result = spawnSync('npm', ['run', 'build'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
