/**
 * What a benchmark prints and writes: the machine it ran on, medians, Markdown tables, and the JSON
 * report in bench/results/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serverNode } from './api-server.ts';
import { version } from './processes.ts';
import { MiB } from './settings.ts';

const RESULTS_DIR = path.resolve(import.meta.dirname, '..', 'results');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export const mib = (bytes: number) => bytes / MiB;
/** Bytes as B, KiB or MiB, whichever reads best. */
export const human = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < MiB
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / MiB).toFixed(1)} MiB`;
export const fmt = (value: number, digits = 1) => value.toFixed(digits);
export const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');

/** A Markdown table: the first row is the header, the first column left-aligned, the others right. */
export function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? `${'-'.repeat(width + 1)}-` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join('\n');
}

/**
 * The order of the free memory blocks a virtual machine's kernel reports to its host (virtio-balloon
 * free page reporting), or undefined when it reports none. The host takes those pages back, and the
 * next touch of each costs a fault on the host, charged to whichever thread touches it: a write
 * into new page cache cost up to 2 CPU-s/GiB more than once the memory was backed.
 */
function freePageReporting(): number | undefined {
  try {
    const order = Number(readFileSync('/sys/module/page_reporting/parameters/page_reporting_order', 'utf8'));
    // Orders past the largest (10) are never reported.
    return Number.isInteger(order) && order >= 0 && order <= 10 ? order : undefined;
  } catch {
    return undefined;
  }
}

export async function machine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    hostname: os.hostname(),
    nproc: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    kernel: os.release(),
    node: process.versions.node,
    serverNode: (await version(serverNode(), ['--version'])).replace(/^v/, ''),
    curl: await version('curl', ['--version']),
    loadAverage1mAtStart: Number((os.loadavg()[0] ?? 0).toFixed(2)),
    freePageReportingOrder: freePageReporting(),
    // Passed through to the server: set, they select its scaled-out drivers instead of the embedded ones.
    serverDrivers: ['DATABASE_URL', 'REDIS_URL', 'S3_ENDPOINT', 'S3_BUCKET'].filter((name) =>
      process.env[name]?.trim(),
    ),
  };
}

export type Machine = Awaited<ReturnType<typeof machine>>;

/** The run's heading: the machine, the programs named in `programs`, the temp dir, the drivers, a load warning. */
export function printMachine(info: Machine, programs: string, dir: string, drivers?: string) {
  console.log(`machine: ${info.nproc} CPUs (${info.cpuModel}), ${info.memoryGiB} GiB, Linux ${info.kernel}`);
  console.log(programs);
  console.log(`temp dir: ${dir}`);
  console.log(
    drivers ??
      (info.serverDrivers.length === 0
        ? 'server drivers: embedded (PGlite, in-process cache, blobs on the local filesystem)'
        : `server drivers: from the environment (${info.serverDrivers.join(', ')} set)`),
  );
  if (info.freePageReportingOrder !== undefined) {
    console.log(
      'warning: this virtual machine gives freed memory back to its host (free page reporting), so writing ' +
        'into new page cache costs the writer a host fault per page: CPU figures of transfers swing by up to ' +
        '2 s/GiB; see bench/README.md, "A quiet machine"',
    );
  }
  if (info.loadAverage1mAtStart > 0.5) {
    console.log(
      `warning: the 1-minute load average is ${info.loadAverage1mAtStart}; other work on this machine will make the numbers noisy`,
    );
  }
}

/** Writes the run's report to bench/results/<name>-latest.json and says where. */
export async function writeReport(name: string, report: unknown) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, `${name}-latest.json`);
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), out) || out}`);
}
