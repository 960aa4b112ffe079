/**
 * bench:cli's S3 mode (BENCH_S3=1): the API server's blobs on Ceph's RADOS Gateway (tools/rgw.ts,
 * objects in memory), so that `fileshare put` sends its parts straight to the bucket on presigned
 * URLs. Counted beside the times: the bytes the API process reads meanwhile.
 */
import { createBucket, startRgw } from '../../tools/rgw.ts';
import { onCleanUp } from '../support/processes.ts';

/** Starts the gateway with a bucket of its own; answers the server's S3_* environment. */
export async function startS3(sizeBytes: number, rounds: number): Promise<Record<string, string>> {
  // Each round's file stays (a folder per round), with curl's last copy and room for the join.
  const rgw = await startRgw({ capacityBytes: Math.max(8 * 1024 ** 3, (rounds + 3) * sizeBytes) });
  onCleanUp(rgw.stop);
  const bucket = 'bench-cli';
  await createBucket(rgw, bucket);
  return {
    S3_ENDPOINT: rgw.endpoint,
    S3_BUCKET: bucket,
    S3_REGION: rgw.region,
    S3_ACCESS_KEY_ID: rgw.accessKeyId,
    S3_SECRET_ACCESS_KEY: rgw.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
  };
}
