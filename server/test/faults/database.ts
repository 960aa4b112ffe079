import { sql } from 'drizzle-orm';
import type { Queryable } from '../../src/platform/database/database.ts';

/**
 * Makes PostgreSQL refuse to record a node named `name` (a trigger that raises), so that a test can
 * see what a failure to write the metadata leaves behind. Names are the tests' own, so parallel
 * tests don't trip over each other's trigger. Returns how to take the trigger away again.
 */
export async function failNodeInserts(db: Queryable, name: string): Promise<() => Promise<void>> {
  const trigger = sql.identifier(`fail_insert_${name.replace(/\W/g, '_')}`);
  await db.execute(sql`
    create or replace function ${trigger}() returns trigger language plpgsql as $$
    begin raise exception 'injected failure'; end $$`);
  await db.execute(sql`
    create trigger ${trigger} before insert on nodes
    for each row when (new.name = ${sql.raw(`'${name.replaceAll("'", "''")}'`)}) execute function ${trigger}()`);
  return async () => {
    await db.execute(sql`drop trigger ${trigger} on nodes`);
    await db.execute(sql`drop function ${trigger}()`);
  };
}
