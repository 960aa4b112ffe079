/** The scale benchmark's settings (BENCH_NODES, BENCH_DRIVERS, …) and its targets. */
import { list, positiveInt } from '../support/settings.ts';

export const DRIVER_NAMES = ['postgres', 'pglite'] as const;
export type Driver = (typeof DRIVER_NAMES)[number];

/** Nodes in the user's tree, the root included. */
export const NODES = positiveInt('BENCH_NODES', 1_000_000);
/** Nodes on PGlite (the embedded database runs in the server's one process, so it may be given fewer). */
export const PGLITE_NODES = positiveInt('BENCH_PGLITE_NODES', NODES);
export const DRIVERS = list('BENCH_DRIVERS', 'postgres,pglite', DRIVER_NAMES);
/**
 * `local`: a fresh database on the machine's PostgreSQL (TEST_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/test), dropped afterwards; `private`: a server of its own.
 */
export const POSTGRES = list('BENCH_POSTGRES', 'local', ['local', 'private'] as const)[0] ?? 'local';
/** Timed requests per search query and per listing, after a few untimed ones. */
export const REQUESTS = positiveInt('BENCH_REQUESTS', 200);
/** Rounds of trash-and-restore and of move-and-back. */
export const MOVE_ROUNDS = positiveInt('BENCH_MOVE_ROUNDS', 3);
/** Timed WebDAV PROPFINDs of the big folder on each side (after one untimed). */
export const PROPFIND_ROUNDS = positiveInt('BENCH_PROPFIND_ROUNDS', 3);
/** Files in the big folder (and descendants of the moved subtree); by default a tenth of the nodes, at most 100,000. */
const BIG_FOLDER = positiveInt('BENCH_BIG_FOLDER', 0);

/** Folders nest this deep under the root. */
export const DEPTH = 8;

export const TARGETS = {
  searchP99Ms: 50,
  listingP99Ms: 20,
  /** Trash, restore and move of a folder with the big folder's number of descendants. */
  treeChangeMs: 1_000,
  /** A PROPFIND Depth 1 of the big folder: all of it answered, and the server's RSS growth meanwhile. */
  propfindSeconds: 10,
  propfindRssGrowthMiB: 50,
};

/** The shape of a tree of `nodes` nodes: the big flat folder and the moved subtree take a tenth each. */
export function shapeOf(nodes: number) {
  const bigFolder = BIG_FOLDER || Math.max(10, Math.min(100_000, Math.floor(nodes / 10)));
  return { nodes, bigFolder, movedSubtree: bigFolder };
}
export type Shape = ReturnType<typeof shapeOf>;
