/**
 * Where a process's resident memory is, from `/proc/<pid>/smaps`, by the kind of mapping: what the
 * footprint benchmark prints for the idle server and its floor, so that the breakdown behind the
 * idle figure is measured by the benchmark, not read off by hand.
 */
import { readFileSync, readlinkSync } from 'node:fs';

export const RESIDENT_KINDS = [
  'node binary',
  'other files',
  'V8 heap pages',
  'malloc',
  'large anonymous',
  'other anonymous',
] as const;
export type ResidentKind = (typeof RESIDENT_KINDS)[number];

/** V8 allocates its heap in pages of 256 KiB, each a mapping of its own (Node builds V8 without a pointer cage). */
const V8_PAGE = 256 * 1024;
/** glibc's per-thread malloc arenas are reservations of 64 MiB, aligned to their size. */
const ARENA = 64 * 1024 * 1024;

function kindOf(start: number, size: number, name: string, executable: string): ResidentKind {
  if (name === executable) return 'node binary';
  if (name.startsWith('/')) return 'other files';
  if (name === '[heap]') return 'malloc';
  if (name !== '') return 'other anonymous'; // the stack, vdso and the like
  if (size === V8_PAGE) return 'V8 heap pages';
  if (start % ARENA === 0 && size < ARENA) return 'malloc';
  // WebAssembly memories (PGlite's is 128 MiB) and other allocations that get mappings of their own.
  if (size >= ARENA) return 'large anonymous';
  return 'other anonymous';
}

/** The resident bytes of process `pid` by kind of mapping. */
export function residentByKind(pid: number): Record<ResidentKind, number> {
  const executable = readlinkSync(`/proc/${pid}/exe`);
  const totals = Object.fromEntries(RESIDENT_KINDS.map((kind) => [kind, 0])) as Record<ResidentKind, number>;
  let kind: ResidentKind | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping !== null) {
      const start = Number.parseInt(mapping[1] ?? '0', 16);
      const end = Number.parseInt(mapping[2] ?? '0', 16);
      kind = kindOf(start, end - start, mapping[3] ?? '', executable);
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB$/.exec(line);
    if (rss !== null && kind !== undefined) totals[kind] += Number(rss[1]) * 1024;
  }
  return totals;
}
