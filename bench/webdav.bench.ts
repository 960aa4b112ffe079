/**
 * WebDAV benchmark (`npm run bench:webdav`): `rclone copy` of many small files and of one large file
 * into the product's /dav/ against `rclone serve webdav` of a local directory on the same machine,
 * and litmus against that reference. See bench/README.md.
 */
import { runBenchmark } from './support/processes.ts';
import { compareWithRcloneServe } from './webdav/compare.ts';

runBenchmark(compareWithRcloneServe);
