/** litmus against the reference server: how many of its tests a WebDAV server taken as a yardstick fails. */
import { parseLitmus } from '../../tools/litmus.ts';
import { run, version } from '../support/processes.ts';
import type { DavRemote } from './rclone.ts';

// litmus's own order; its wrapper stops at the first suite that fails, so each runs on its own.
const SUITES = ['basic', 'copymove', 'props', 'locks', 'http'];

/** Runs every litmus suite against `remote`; answers the tests run and failed, each suite's summary and the failures. */
export async function litmusAgainst(remote: DavRemote) {
  if ((await version('litmus', ['--version'])) === 'unknown') {
    console.error(
      'litmus is not installed. Install it with:\n\n    apt-get update && apt-get install -y litmus\n',
    );
    process.exit(1);
  }
  let stdout = '';
  for (const suite of SUITES)
    stdout += (await run('litmus', [remote.url, remote.user, remote.pass], { TESTS: suite })).stdout;
  const { summaries, problems } = parseLitmus(stdout);
  const suites = Object.values(summaries);
  return {
    run: suites.reduce((sum, suite) => sum + suite.run, 0),
    failed: suites.reduce((sum, suite) => sum + suite.failed, 0),
    summaries,
    // litmus writes a test's name, then the name again with its verdict, on one line.
    failures: problems
      .filter((line) => line.includes('FAIL'))
      .map((line) => line.trim().replace(/^(\d+\.\s*\S+?\.+)\s+\1/, '$1')),
  };
}
