/**
 * Browser upload benchmark (`npm run bench:browser`): the web client in headless Chromium against
 * curl's simple upload on the same server in the same run, with Chromium alone sending the same
 * parts to nginx as the ceiling of what any page reaches on the machine. See bench/README.md.
 */
import { compareWithCurl } from './browser/compare-with-curl.ts';
import { runBenchmark } from './support/processes.ts';

runBenchmark(compareWithCurl);
