/**
 * Prints the top functions of a V8 .cpuprofile (as written by `node --cpu-prof`), by self time and by
 * total (inclusive) time.
 *
 *   node bench/cpuprofile-top.ts <file.cpuprofile> [count=25] [slice]
 *
 * With a slice, only the samples taken during the API transfers of that kind are counted, using the
 * time windows that bench/results/transfer-latest.json recorded (same run): `upload` the simple
 * uploads, `session` the session uploads, `parts` and `complete` the two steps of those, `download`
 * the downloads, `zip` the zip downloads. The load benchmark's workloads (`listing`, `page`, `metadata`, `login`) are sliced
 * by the measured runs in bench/results/load-latest.json, the WebDAV benchmark's copies into /dav/
 * (`dav-small`, `dav-large`) by bench/results/webdav-latest.json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const TRANSFER_SLICES = ['upload', 'session', 'parts', 'complete', 'download', 'zip'];
const LOAD_SLICES = ['listing', 'page', 'metadata', 'login'];
const WEBDAV_SLICES = ['dav-small', 'dav-large'];
const SLICES = [...TRANSFER_SLICES, ...LOAD_SLICES, ...WEBDAV_SLICES];
const [file, countArg, op] = process.argv.slice(2);
if (file === undefined || (op !== undefined && !SLICES.includes(op))) {
  console.error(`usage: node bench/cpuprofile-top.ts <file.cpuprofile> [count] [${SLICES.join('|')}]`);
  process.exit(1);
}
const count = Number(countArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

let windows: { startedUs: number; endedUs: number }[] | undefined;
if (op !== undefined && LOAD_SLICES.includes(op)) {
  const results = path.join(import.meta.dirname, 'results', 'load-latest.json');
  const report = JSON.parse(readFileSync(results, 'utf8')) as {
    rows: { workload: string; startedUs?: number; endedUs?: number }[];
  };
  windows = report.rows.flatMap((row) =>
    row.workload === op && row.startedUs !== undefined && row.endedUs !== undefined
      ? [{ startedUs: row.startedUs, endedUs: row.endedUs }]
      : [],
  );
} else if (op !== undefined && WEBDAV_SLICES.includes(op)) {
  const results = path.join(import.meta.dirname, 'results', 'webdav-latest.json');
  const report = JSON.parse(readFileSync(results, 'utf8')) as {
    copies: { side: string; what: string; startedUs: number; endedUs: number }[];
  };
  windows = report.copies.filter((c) => c.side === 'fileshare' && `dav-${c.what}` === op);
} else if (op !== undefined) {
  const results = path.join(import.meta.dirname, 'results', 'transfer-latest.json');
  const report = JSON.parse(readFileSync(results, 'utf8')) as {
    transfers: {
      op: string;
      side: string;
      startedUs: number;
      endedUs: number;
      session?: { createSeconds: number; completeSeconds: number };
    }[];
  };
  if (op === 'upload' || op === 'download') {
    windows = report.transfers.filter((t) => t.op === op && t.side === 'api');
  } else if (op === 'zip') {
    windows = report.transfers.filter((t) => t.op === 'download' && t.side === 'zip');
  } else {
    // A session's steps follow each other: create, the parts, complete (which ends the transfer).
    windows = report.transfers
      .filter((t) => t.op === 'upload' && t.side === 'session' && t.session !== undefined)
      .map((t) => {
        const completeStartedUs = t.endedUs - (t.session?.completeSeconds ?? 0) * 1e6;
        const partsStartedUs = t.startedUs + (t.session?.createSeconds ?? 0) * 1e6;
        if (op === 'parts') return { startedUs: partsStartedUs, endedUs: completeStartedUs };
        if (op === 'complete') return { startedUs: completeStartedUs, endedUs: t.endedUs };
        return t;
      });
  }
}
if (windows !== undefined && windows.length === 0) {
  console.error(`bench/results has no time windows of ${op} (run the benchmark first)`);
  process.exit(1);
}
const inWindow = (us: number) =>
  windows === undefined || windows.some((w) => us >= w.startedUs && us <= w.endedUs);

const byId = new Map<number, ProfileNode>();
const parentOf = new Map<number, number>();
for (const node of profile.nodes) {
  byId.set(node.id, node);
  for (const child of node.children ?? []) parentOf.set(child, node.id);
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (url === '') return name;
  const short = url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '~/');
  const where = short.startsWith('/') ? path.relative(process.cwd(), short) : short;
  return `${name}  ${where}:${lineNumber + 1}`;
}

const self = new Map<string, number>();
const total = new Map<string, number>();
let sampled = 0;
let kept = 0;
let clock = profile.startTime;
profile.samples.forEach((id, index) => {
  clock += profile.timeDeltas[index] ?? 0;
  if (!inWindow(clock)) return;
  kept++;
  const delta = profile.timeDeltas[index + 1] ?? 0;
  sampled += delta;
  const node = byId.get(id);
  if (node === undefined) return;
  const own = label(node);
  self.set(own, (self.get(own) ?? 0) + delta);
  // Count each function once per sample on the stack, however often it recurses.
  const seen = new Set<string>();
  for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
    const frame = byId.get(current);
    if (frame === undefined) break;
    const name = label(frame);
    if (seen.has(name)) continue;
    seen.add(name);
    total.set(name, (total.get(name) ?? 0) + delta);
  }
});

const wall = (profile.endTime - profile.startTime) / 1000;
console.log(`${file}: ${(wall / 1000).toFixed(1)} s profiled, ${profile.samples.length} samples`);
if (windows !== undefined) {
  const what: Record<string, string> = {
    upload: 'simple uploads',
    session: 'session uploads',
    parts: 'session uploads, their parts',
    complete: 'session uploads, their completions',
    download: 'downloads',
    zip: 'zip downloads',
    listing: 'load runs of listing',
    page: 'load runs of page',
    metadata: 'load runs of metadata',
    login: 'load runs of login',
    'dav-small': 'rclone copies of small files into /dav/',
    'dav-large': 'rclone copies of the large file into /dav/',
  };
  console.log(
    `only the API's ${what[op ?? ''] ?? op} (${windows.length}): ${kept} samples, ${(sampled / 1e6).toFixed(1)} s`,
  );
}
for (const [title, table] of [
  ['self time', self],
  ['total time (inclusive)', total],
] as const) {
  console.log(`\ntop ${count} by ${title}:`);
  for (const [name, micros] of [...table.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    const ms = micros / 1000;
    console.log(
      `${ms.toFixed(0).padStart(9)} ms ${((100 * micros) / sampled).toFixed(1).padStart(5)}%  ${name}`,
    );
  }
}
