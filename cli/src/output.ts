/** How the command speaks: lines for people, JSON for scripts, nothing with --quiet. */
export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

export function printJson(value: unknown) {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line = '') {
  process.stdout.write(`${line}\n`);
}

/** What a person is told unless --quiet or --json (JSON output stays one document). */
export function say(options: OutputOptions, line: string) {
  if (!options.quiet && !options.json) process.stderr.write(`${line}\n`);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}
