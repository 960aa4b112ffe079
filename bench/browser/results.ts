/**
 * The browser benchmark's results: a line per upload, the medians per client, the browser/curl
 * ratio against the target, and Chromium alone as the ceiling; written to
 * bench/results/browser-latest.json.
 */
import { fmt, median, table, verdict, writeReport } from '../support/report.ts';
import { GiB, ROUNDS, SIZE_MIB } from '../support/settings.ts';
import type { Client } from './clients.ts';
import { describePhases, type PagePhases } from './page-upload.ts';

/** The page in Chromium against curl's simple upload, medians. */
const TARGET_RATIO = 0.7;

export interface Upload {
  round: number;
  client: Client;
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  /** CPU time (user + system, all threads) of the API server (or nginx) during the upload. */
  serverCpuSeconds: number;
  /** CPU time of the client: every Chromium process, or curl. */
  clientCpuSeconds: number;
  /** The same by Chromium's process roles (browser, renderer, utility: the network service, …). */
  clientCpuByRole: Record<string, number>;
  syncSeconds: number;
  /** Browser uploads: where the time went. */
  phases?: PagePhases;
}

export function describeUpload(u: Upload): string {
  return (
    `  round ${u.round} ${u.client.padEnd(14)} ${fmt(u.mibPerSecond).padStart(7)} MiB/s  ${fmt(u.seconds, 2).padStart(6)} s` +
    `  server CPU ${fmt(u.serverCpuSeconds, 2).padStart(5)} s  client CPU ${fmt(u.clientCpuSeconds, 2).padStart(5)} s` +
    (u.phases === undefined
      ? ''
      : `\n      (${describePhases(u.phases)};` +
        ` client CPU ${Object.entries(u.clientCpuByRole)
          .map(([role, cpu]) => `${role} ${fmt(cpu, 2)} s`)
          .join(', ')})`)
  );
}

export async function printResults(info: unknown, uploads: Upload[], elapsed: number, apiLog: string) {
  const summaryOf = (client: Client) => {
    const series = uploads.filter((u) => u.client === client);
    return {
      miBps: median(series.map((u) => u.mibPerSecond)),
      seconds: median(series.map((u) => u.seconds)),
      serverCpuSecondsPerGiB: median(series.map((u) => u.serverCpuSeconds / (u.bytes / GiB))),
      clientCpuSecondsPerGiB: median(series.map((u) => u.clientCpuSeconds / (u.bytes / GiB))),
    };
  };
  const browser = summaryOf('browser');
  const curl = summaryOf('curl');
  const chromium = summaryOf('chromium-nginx');
  const ratio = browser.miBps / curl.miBps;
  const ceiling = chromium.miBps / curl.miBps;
  const ofCeiling = browser.miBps / chromium.miBps;
  const pass = ratio >= TARGET_RATIO;

  console.log(
    `\nResults: ${SIZE_MIB} MiB file, ${ROUNDS} rounds, medians (${fmt(elapsed, 0)} s of uploads)\n`,
  );
  console.log(
    table([
      ['upload', 'MiB/s', 's', 'server (or nginx) CPU s/GiB', 'client CPU s/GiB'],
      ...(
        [
          ['browser (page, resumable session)', browser],
          ['curl (simple upload, one PUT)', curl],
          ['Chromium alone → nginx (same parts, bare page)', chromium],
        ] as const
      ).map(([label, s]) => [
        label,
        fmt(s.miBps),
        fmt(s.seconds, 2),
        fmt(s.serverCpuSecondsPerGiB, 2),
        fmt(s.clientCpuSecondsPerGiB, 2),
      ]),
    ]),
  );
  const phases = uploads.flatMap((u) => (u.phases === undefined ? [] : [u.phases]));
  const phaseMedians = Object.fromEntries(
    Object.keys(phases[0] ?? {}).map((key) => [key, median(phases.map((p) => p[key as keyof PagePhases]))]),
  ) as unknown as PagePhases;
  console.log(`browser, where the time went (medians): ${describePhases(phaseMedians)}`);
  console.log(`\nbrowser / curl ${fmt(ratio, 2)}× (target ≥ ${fmt(TARGET_RATIO, 1)}×): ${verdict(pass)}`);
  console.log(
    `context: Chromium alone → nginx / curl ${fmt(ceiling, 2)}× (the most a page reaches here);` +
      ` browser / Chromium alone ${fmt(ofCeiling, 2)}×`,
  );
  if (apiLog.trim() !== '') console.log(`\nAPI server log (warnings and errors):\n${apiLog}`);

  await writeReport('browser', {
    benchmark: 'browser',
    machine: info,
    settings: { sizeMiB: SIZE_MIB, rounds: ROUNDS },
    browser: { ...browser, phases: phaseMedians },
    curl,
    chromiumToNginx: chromium,
    context: { chromiumToNginxOverCurl: ceiling, browserOverChromiumToNginx: ofCeiling },
    target: { ratio: TARGET_RATIO, measured: ratio, pass },
    uploads,
  });
}
