/**
 * What a benchmark prints and writes: the machine it ran on, medians, Markdown tables, and the JSON
 * report in bench/results/.
 */
import { mkdirSync } from 'node:fs';
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
