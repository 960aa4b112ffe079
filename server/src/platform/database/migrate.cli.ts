// Applies the committed migrations to the configured database (DATABASE_URL, or PGlite under DATA_DIR): `npm run db:migrate`.
import { ConfigError, loadConfig } from '../../config.ts';
import { openDatabase } from './database.ts';

try {
  const config = loadConfig();
  const database = await openDatabase(config);
  await database.migrate();
  await database.close();
  console.log(`migrated the ${database.driver} database`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Can not migrate: ${error.message}`);
  process.exit(1);
}
