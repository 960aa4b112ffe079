import cliProgress from 'cli-progress';
import { formatBytes, type OutputOptions } from './output.ts';

/** One file's transfer, as the progress display hears of it. */
export interface FileProgress {
  /** Bytes done so far (resumed ones included). */
  update(bytes: number): void;
  /** A plain line about this file (a part arrived, it was resumed…), for logs and pipes. */
  note(line: string): void;
  done(line: string): void;
}

export interface TransferProgress {
  file(label: string, size: number): FileProgress;
  stop(): void;
}

/**
 * Per-file and total bars with speed and time left on a terminal; plain lines on standard error
 * otherwise; nothing with --quiet or --json.
 */
export function transferProgress(options: OutputOptions, totalBytes: number): TransferProgress {
  if (options.quiet || options.json) return silentProgress;
  if (process.stderr.isTTY) return barProgress(totalBytes);
  return plainProgress;
}

const silentFile: FileProgress = { update() {}, note() {}, done() {} };
const silentProgress: TransferProgress = { file: () => silentFile, stop() {} };

const plainProgress: TransferProgress = {
  file: (label) => ({
    update() {},
    note: (line) => process.stderr.write(`${label}: ${line}\n`),
    done: (line) => process.stderr.write(`${label}: ${line}\n`),
  }),
  stop() {},
};

function barProgress(totalBytes: number): TransferProgress {
  const bars = new cliProgress.MultiBar(
    {
      format: ' {bar} {percentage}% | {name} | {done} of {size} | {speed}/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      stream: process.stderr,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const doneByFile = new Map<string, number>();
  const total = bars.create(totalBytes, 0, fields('total', 0, totalBytes, started));
  const updateTotal = () => {
    let done = 0;
    for (const bytes of doneByFile.values()) done += bytes;
    total.update(done, fields('total', done, totalBytes, started));
  };
  return {
    file(label, size) {
      const fileStarted = Date.now();
      const bar = bars.create(size, 0, fields(label, 0, size, fileStarted));
      return {
        update(bytes) {
          doneByFile.set(label, bytes);
          bar.update(bytes, fields(label, bytes, size, fileStarted));
          updateTotal();
        },
        note: (line) => bars.log(`${label}: ${line}\n`),
        done(line) {
          bar.update(size, fields(label, size, size, fileStarted));
          bars.remove(bar);
          bars.log(`${label}: ${line}\n`);
        },
      };
    },
    stop: () => bars.stop(),
  };
}

function fields(name: string, done: number, size: number, started: number) {
  const seconds = Math.max((Date.now() - started) / 1000, 0.001);
  return {
    name,
    done: formatBytes(done),
    size: formatBytes(size),
    speed: formatBytes(Math.round(done / seconds)),
  };
}
