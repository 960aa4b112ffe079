/**
 * litmus, the WebDAV conformance suite: what its output says, shared by the tests (run against
 * /dav/) and the WebDAV benchmark (run against its reference server).
 */

export interface LitmusSummary {
  run: number;
  passed: number;
  failed: number;
}

/** Each suite's summary (`summary for `basic': of 16 tests run: …`) and every line that failed or warned. */
export function parseLitmus(stdout: string) {
  const summaries: Record<string, LitmusSummary> = Object.fromEntries(
    [...stdout.matchAll(/summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g)].map((m) => [
      m[1],
      { run: Number(m[2]), passed: Number(m[3]), failed: Number(m[4]) },
    ]),
  );
  const problems = stdout.split('\n').filter((line) => /FAIL|WARNING|SKIPPED/.test(line));
  return { summaries, problems };
}
