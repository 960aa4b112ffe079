// `npm run restore -- <dir>`: brings the backup in <dir> (made by `npm run backup`) back into an empty DATA_DIR.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config.ts';
import { restoreBackup } from './restore.ts';

const dir = process.argv[2];
if (dir === undefined) {
  console.error('Usage: npm run restore -- <backup directory>');
  process.exit(2);
}
let dataDir: string;
try {
  dataDir = loadConfig().dataDir;
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Can not restore: ${error.message}`);
  process.exit(2);
}
try {
  const archive = path.resolve(process.env.INIT_CWD ?? process.cwd(), dir, 'backup.tar');
  const { blobs } = await restoreBackup(createReadStream(archive), dataDir);
  console.log(`restored the database and ${blobs} blobs into ${dataDir}`);
} catch (error) {
  console.error(`Can not restore: ${(error as Error).message}`);
  process.exit(1);
}
