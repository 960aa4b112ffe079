/**
 * The tree the scale benchmark measures, written straight into the database by set-based SQL
 * (generate_series; no row goes through Node) for a user the API registered:
 *
 *   root
 *   ├── Big folder/          `bigFolder` files side by side (listed, trashed and restored)
 *   ├── Moved subtree/       `movedSubtree` descendants, folders 7 deep below it (moved and back)
 *   ├── Destination/         where the subtree is moved to
 *   └── Folder … (main tree) the rest: folders 8 deep, files in the deepest
 *
 * Names come from a vocabulary: a common word in every name (1 in 12 holds "report"), a second word
 * of 40 (some accented: 1 in 40 holds "café"), now and then the rare "zephyr", a number and an
 * extension. Folder ids are md5s of their place, so a level's parents are known without a join.
 */
import { DEPTH, type Shape } from './settings.ts';

/** A PostgreSQL connection or a PGlite instance: both answer `query(text, params)` with `{ rows }`. */
export interface Sql {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

const COMMON = [
  'report',
  'photo',
  'invoice',
  'notes',
  'draft',
  'budget',
  'meeting',
  'summary',
  'backup',
  'scan',
  'letter',
  'plan',
];
const SECOND = [
  'alpha',
  'harbor',
  'orchard',
  'velvet',
  'granite',
  'meadow',
  'lantern',
  'copper',
  'summit',
  'willow',
  'ember',
  'falcon',
  'glacier',
  'horizon',
  'island',
  'juniper',
  'kettle',
  'marble',
  'nectar',
  'opal',
  'pepper',
  'quartz',
  'raven',
  'saffron',
  'timber',
  'umber',
  'violet',
  'walnut',
  'yarrow',
  'zinnia',
  'café',
  'résumé',
  'naïve',
  'Zürich',
  'Ångström',
  'crème brûlée',
  'façade',
  'jalapeño',
  'smörgåsbord',
  'Øresund',
];
const TYPES: [string, string][] = [
  ['.pdf', 'application/pdf'],
  ['.jpg', 'image/jpeg'],
  ['.txt', 'text/plain'],
  ['.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['.png', 'image/png'],
  ['.mp3', 'audio/mpeg'],
];
/** One file in RARE_EVERY is named with the rare word instead of its second word. */
const RARE_EVERY = 10_007;
export const QUERIES = {
  rare: 'zephyr',
  common: 'report',
  substring: 'hoto',
  accented: 'cafe',
};

const array = (items: string[]) =>
  `array[${items.map((item) => `'${item.replaceAll("'", "''")}'`).join(',')}]`;
/** The id of folder `i` of level `level` of tree `tree` (level 0 is the tree's top folder). */
const folderId = (tree: string, level: string, i: string) =>
  `md5($2 || ':${tree}:' || ${level} || ':' || ${i})::uuid`;

/** How many folders a tree of `levels` levels under its top with `fanout` children per folder has. */
const folderCount = (levels: number, fanout: number) =>
  Array.from({ length: levels }, (_, l) => fanout ** (l + 1)).reduce((a, b) => a + b, 0);

/** A tree of `descendants` nodes under `topId`: about one folder in ten, `levels` deep, files in the deepest. */
function treeShape(descendants: number, levels: number) {
  if (levels === 0) return { levels, fanout: 0, folders: 0, files: descendants };
  const fanout = Math.max(2, Math.floor((descendants / 10) ** (1 / levels)));
  const folders = folderCount(levels, fanout);
  if (folders >= descendants) throw new Error(`${descendants} nodes are too few for folders ${levels} deep`);
  return { levels, fanout, folders, files: descendants - folders };
}

export interface Generated {
  ownerId: string;
  seed: string;
  rootId: string;
  bigFolderId: string;
  movedSubtreeId: string;
  destinationId: string;
  /** Rows written, and how long it took. */
  rows: number;
  seconds: number;
}

/** Writes folders and files of one tree; the top folder (level 0) must exist. */
async function insertTree(
  sql: Sql,
  ownerId: string,
  seed: string,
  tree: string,
  topId: string,
  shape: ReturnType<typeof treeShape>,
) {
  const { levels, fanout, files } = shape;
  if (levels > 0) {
    await sql.query(
      `insert into nodes (id, owner_id, parent_id, kind, name, created_at, updated_at)
       select ${folderId(tree, 'l', 'i')}, $1,
         case when l = 1 then $3::uuid else ${folderId(tree, '(l - 1)', `(i / ${fanout})`)} end,
         'folder', 'Folder ' || (${array(SECOND)})[1 + i % ${SECOND.length}] || ' ' || l || '.' || i,
         now() - i * interval '1 minute', now() - i * interval '1 minute'
       from generate_series(1, ${levels}) l, generate_series(0, (${fanout}::bigint ^ l)::int - 1) i`,
      [ownerId, seed, topId],
    );
  }
  const leaves = levels === 0 ? 1 : fanout ** levels;
  const parent = levels === 0 ? '$3::uuid' : folderId(tree, String(levels), `(j % ${leaves})`);
  const extension = `(${array(TYPES.map(([ext]) => ext))})[1 + j % ${TYPES.length}]`;
  const contentType = `(${array(TYPES.map(([, type]) => type))})[1 + j % ${TYPES.length}]`;
  await sql.query(
    `insert into nodes (owner_id, parent_id, kind, name, size, stored_size, content_type, blob_key, encoding, created_at, updated_at)
     select $1, ${parent}, 'file',
       case when j % 4 = 0 then initcap(w.common) else w.common end || ' ' || w.second || ' ' || '${tree}' || j || ${extension},
       (j::bigint * 7919) % 1000003, (j::bigint * 7919) % 1000003, ${contentType}, 'bench/${tree}/' || j || '/' || $2, 'identity',
       now() - j * interval '1 second', now() - j * interval '1 second'
     from generate_series(0, ${files} - 1) j,
       lateral (select (${array(COMMON)})[1 + j % ${COMMON.length}] as common,
         case when j % ${RARE_EVERY} = 17 then '${QUERIES.rare}'
           else (${array(SECOND)})[1 + (j / ${COMMON.length}) % ${SECOND.length}] end as second) w`,
    levels === 0 ? [ownerId, seed, topId] : [ownerId, seed],
  );
}

async function insertFolder(sql: Sql, ownerId: string, parentId: string, name: string): Promise<string> {
  const { rows } = await sql.query(
    `insert into nodes (owner_id, parent_id, kind, name) values ($1, $2, 'folder', $3) returning id`,
    [ownerId, parentId, name],
  );
  return (rows[0] as { id: string }).id;
}

/** Writes the tree of `shape` for the user `username` (registered, so their root exists). */
export async function generateTree(sql: Sql, username: string, shape: Shape): Promise<Generated> {
  const started = performance.now();
  const { rows } = await sql.query(
    `select u.id as owner_id, n.id as root_id from users u join nodes n on n.owner_id = u.id and n.parent_id is null
     where u.username = $1`,
    [username],
  );
  const { owner_id: ownerId, root_id: rootId } = rows[0] as { owner_id: string; root_id: string };
  const seed = crypto.randomUUID();
  const bigFolderId = await insertFolder(sql, ownerId, rootId, 'Big folder');
  const movedSubtreeId = await insertFolder(sql, ownerId, rootId, 'Moved subtree');
  const destinationId = await insertFolder(sql, ownerId, rootId, 'Destination');
  const mainNodes = shape.nodes - 4 - shape.bigFolder - shape.movedSubtree;
  await insertTree(sql, ownerId, seed, 'b', bigFolderId, treeShape(shape.bigFolder, 0));
  await insertTree(sql, ownerId, seed, 's', movedSubtreeId, treeShape(shape.movedSubtree, DEPTH - 1));
  await insertTree(sql, ownerId, seed, 'm', rootId, treeShape(mainNodes, DEPTH));
  await sql.query(
    `update users set used_bytes = (select coalesce(sum(stored_size), 0) from nodes where owner_id = $1) where id = $1`,
    [ownerId],
  );
  await sql.query('vacuum analyze nodes');
  const count = await sql.query('select count(*)::int as n from nodes where owner_id = $1', [ownerId]);
  return {
    ownerId,
    seed,
    rootId,
    bigFolderId,
    movedSubtreeId,
    destinationId,
    rows: (count.rows[0] as { n: number }).n,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * What the name index costs: `rows` files written into a folder of their own with the index, then
 * without it (dropped, and built again afterwards), in the same state of the table; and its size.
 */
export async function nameIndexCost(sql: Sql, tree: Generated, rows: number) {
  const index = 'nodes_name_search_idx';
  const definition = await sql.query('select indexdef from pg_indexes where indexname = $1', [index]);
  const indexdef = (definition.rows[0] as { indexdef: string } | undefined)?.indexdef;
  if (indexdef === undefined) throw new Error(`the index ${index} is missing`);
  const folderId = await insertFolder(sql, tree.ownerId, tree.rootId, 'Insert test');
  const timedInsert = async (label: string) => {
    const started = performance.now();
    await insertTree(sql, tree.ownerId, tree.seed, label, folderId, treeShape(rows, 0));
    const seconds = (performance.now() - started) / 1000;
    await sql.query('delete from nodes where parent_id = $1', [folderId]);
    await sql.query('vacuum nodes');
    return rows / seconds;
  };
  const withIndex = await timedInsert('x');
  await sql.query(`drop index ${index}`);
  const withoutIndex = await timedInsert('y');
  const started = performance.now();
  await sql.query(indexdef);
  const buildSeconds = (performance.now() - started) / 1000;
  await sql.query('delete from nodes where id = $1', [folderId]);
  await sql.query('vacuum analyze nodes');
  const sizes = await sql.query(
    `select c.relname as name, pg_relation_size(c.oid)::bigint as bytes
     from pg_index i join pg_class c on c.oid = i.indexrelid
     where i.indrelid = 'nodes'::regclass
     union all select 'nodes (table)', pg_relation_size('nodes')
     order by bytes desc`,
  );
  return {
    rows,
    withIndexRowsPerSecond: withIndex,
    withoutIndexRowsPerSecond: withoutIndex,
    buildSeconds,
    sizes: (sizes.rows as { name: string; bytes: string | number }[]).map((row) => ({
      name: row.name,
      bytes: Number(row.bytes),
    })),
  };
}
export type IndexCost = Awaited<ReturnType<typeof nameIndexCost>>;
