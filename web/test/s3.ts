import { randomBytes } from 'node:crypto';
import { createBucket, startRgw } from '../../tools/rgw.ts';

/**
 * Ceph's RADOS Gateway with one bucket whose CORS rule lets pages from `origin` PUT parts to
 * presigned URLs, as docs/deploy.md asks of a production bucket, and the server's S3 settings for
 * it. The gateway answers CORS preflights and checks the URLs' signatures as S3 does.
 */
export async function startS3(origin: string) {
  const rgw = await startRgw();
  const bucket = `fileshare-web-test-${randomBytes(4).toString('hex')}`;
  try {
    await createBucket(rgw, bucket, { corsOrigin: origin });
  } catch (error) {
    await rgw.stop();
    throw error;
  }
  return {
    endpoint: rgw.endpoint,
    env: {
      S3_BUCKET: bucket,
      S3_ENDPOINT: rgw.endpoint,
      S3_REGION: rgw.region,
      S3_ACCESS_KEY_ID: rgw.accessKeyId,
      S3_SECRET_ACCESS_KEY: rgw.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    },
    close: () => rgw.stop(),
  };
}
