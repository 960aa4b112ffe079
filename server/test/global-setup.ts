import type { TestProject } from 'vitest/node';
import { type S3Endpoint, startRgw } from '../../tools/rgw.ts';
import { makePgliteTemplate } from '../src/platform/database/database.ts';
import { driverSets } from './harness.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The RADOS Gateway of this run (services driver set only); each test file makes its own buckets. */
    s3: S3Endpoint | undefined;
  }
}

/** One S3 server for the whole run, started before the first test file and stopped after the last. */
export default async function setup(project: TestProject) {
  // Every in-memory database of the embedded set starts from the PGlite template; the install makes
  // it, and this makes it again after a new migration (until then each would run initdb).
  await makePgliteTemplate();
  if (!driverSets().includes('services')) {
    project.provide('s3', undefined);
    return;
  }
  const rgw = await startRgw();
  project.provide('s3', {
    endpoint: rgw.endpoint,
    region: rgw.region,
    accessKeyId: rgw.accessKeyId,
    secretAccessKey: rgw.secretAccessKey,
  });
  return () => rgw.stop();
}
