/**
 * Settings from the environment, checked once: a benchmark that is given a wrong value stops with a
 * message instead of measuring something else.
 */
import path from 'node:path';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** A whole number ≥ 1 from the environment; exits with a message when it is something else. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    console.error(`${name} must be a whole number ≥ 1, got "${raw}"`);
    process.exit(1);
  }
  return Number(raw);
}

/** A comma-separated list from the environment, each item one of `allowed` (when given). */
export function list<T extends string>(name: string, fallback: string, allowed?: readonly T[]): T[] {
  const items = (process.env[name]?.trim() || fallback).split(',').map((item) => item.trim());
  const wrong = allowed === undefined ? [] : items.filter((item) => !allowed.includes(item as T));
  if (wrong.length > 0) {
    console.error(`${name}: ${wrong.join(', ')} is not one of ${allowed?.join(', ')}`);
    process.exit(1);
  }
  return items as T[];
}

/** A list of whole numbers ≥ 1 from the environment. */
export function positiveInts(name: string, fallback: string): number[] {
  const items = list(name, fallback);
  if (items.some((item) => !/^\d+$/.test(item) || Number(item) < 1)) {
    console.error(`${name} must be whole numbers ≥ 1 separated by commas, got "${items.join(',')}"`);
    process.exit(1);
  }
  return items.map(Number);
}

export function flag(name: string): boolean {
  return ['1', 'true', 'yes'].includes(process.env[name]?.trim().toLowerCase() ?? '');
}

/** The file size of the transfer and browser benchmarks: BENCH_SIZE_MIB (1 GiB unless set). */
export const SIZE_MIB = positiveInt('BENCH_SIZE_MIB', 1024);
export const SIZE = SIZE_MIB * MiB;
/** Rounds of the transfer and browser benchmarks; the targets are judged on medians of at least 3. */
export const ROUNDS = positiveInt('BENCH_ROUNDS', 3);
/** BENCH_CPU_PROF: a directory where the API server (run with --cpu-prof) leaves its profile. */
export const CPU_PROF_DIR = process.env.BENCH_CPU_PROF?.trim()
  ? path.resolve(process.env.BENCH_CPU_PROF.trim())
  : undefined;
