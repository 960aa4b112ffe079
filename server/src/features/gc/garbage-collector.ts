import type { Deps } from '../../deps.ts';
import { LOCKS } from '../../platform/database/locks.ts';
import type { Services } from '../../services.ts';

const BATCH = 500;

export interface GcReport {
  /** False when another instance was sweeping, so this one did nothing. */
  ran: boolean;
  /** Expired upload sessions aborted (in a dry run: that would be). */
  expiredSessions: number;
  /** Share link grants past their time, deleted (in a dry run: that would be). */
  expiredGrants: number;
  /** WebDAV locks past their time, deleted (in a dry run: that would be). */
  expiredDavLocks: number;
  orphanBlobs: string[];
  strayMultipartUploads: string[];
}

/** Of these blob keys, those no node and no unsettled upload session points at. */
export async function unreferencedBlobs(services: Services, keys: string[]): Promise<string[]> {
  // Sessions first: one that completes between the two reads is then seen by the second one,
  // as the node it just recorded. The other order could miss a blob in both.
  const uploading = await services.uploads.blobKeysInUse(keys);
  const referenced = await services.nodes.referencedBlobKeys(keys);
  return keys.filter((key) => !referenced.has(key) && !uploading.has(key));
}

const nothingSwept = (): Omit<GcReport, 'ran'> => ({
  expiredSessions: 0,
  expiredGrants: 0,
  expiredDavLocks: 0,
  orphanBlobs: [],
  strayMultipartUploads: [],
});

/**
 * Cleans up what a crash or an abandoned upload leaves behind: expired upload sessions (parts
 * and quota released), blobs that no node or open upload points at (a crash between blob and
 * metadata), and multipart uploads no session knows. Anything younger than the grace period is
 * left alone, since its row may be about to be written.
 */
export function createGarbageCollector(
  { database, blobs, clock, config, logger, metrics }: Deps,
  services: Services,
) {
  async function sweep(dryRun: boolean): Promise<Omit<GcReport, 'ran'>> {
    const report = nothingSwept();
    report.expiredSessions = dryRun
      ? await services.uploads.countExpired()
      : await services.uploads.expireSessions();
    report.expiredGrants = await services.shareGrants.expired(!dryRun);
    report.expiredDavLocks = await services.davLocks.sweepExpired(dryRun);
    const cutoff = clock.now().getTime() - config.uploads.gcGraceSeconds * 1000;

    let batch: string[] = [];
    const flush = async () => {
      for (const key of await unreferencedBlobs(services, batch)) {
        report.orphanBlobs.push(key);
        if (!dryRun) await blobs.delete(key);
      }
      batch = [];
    };
    for await (const blob of blobs.list('blobs/')) {
      if (blob.lastModified.getTime() > cutoff) continue;
      batch.push(blob.key);
      if (batch.length >= BATCH) await flush();
    }
    await flush();

    try {
      for await (const upload of blobs.multipart.list()) {
        if (upload.startedAt.getTime() > cutoff) continue;
        if ((await services.uploads.blobKeysInUse([upload.key])).has(upload.key)) continue;
        report.strayMultipartUploads.push(upload.uploadId);
        if (!dryRun) await blobs.multipart.abort(upload.key, upload.uploadId);
      }
    } catch (error) {
      // Some stores can't list multipart uploads; a bucket lifecycle rule covers them (docs/deploy.md).
      logger.warn({ err: error }, 'gc: could not list multipart uploads');
    }
    return report;
  }

  return {
    async run(options: { dryRun?: boolean } = {}): Promise<GcReport> {
      let result = nothingSwept();
      const ran = await database.exclusively(LOCKS.garbageCollector, async () => {
        result = await sweep(options.dryRun ?? false);
      });
      if (ran) {
        metrics.gcRuns.inc();
        if (!options.dryRun) {
          metrics.gcRemoved.inc({ kind: 'expired_upload_session' }, result.expiredSessions);
          metrics.gcRemoved.inc({ kind: 'expired_link_grant' }, result.expiredGrants);
          metrics.gcRemoved.inc({ kind: 'orphan_blob' }, result.orphanBlobs.length);
          metrics.gcRemoved.inc({ kind: 'stray_multipart_upload' }, result.strayMultipartUploads.length);
        }
      }
      if (
        ran &&
        (result.expiredSessions > 0 ||
          result.expiredGrants > 0 ||
          result.orphanBlobs.length > 0 ||
          result.strayMultipartUploads.length > 0)
      ) {
        logger.info(
          {
            dryRun: options.dryRun ?? false,
            expiredSessions: result.expiredSessions,
            expiredGrants: result.expiredGrants,
            orphanBlobs: result.orphanBlobs.length,
            strayMultipartUploads: result.strayMultipartUploads.length,
          },
          'gc: swept',
        );
      }
      return { ran, ...result };
    },

    /** Runs every GC_INTERVAL_SECONDS until stopped. */
    schedule(): () => void {
      if (config.uploads.gcIntervalSeconds === 0) return () => {};
      const timer = setInterval(() => {
        this.run().catch((error) => logger.error({ err: error }, 'gc: sweep failed'));
      }, config.uploads.gcIntervalSeconds * 1000);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

export type GarbageCollector = ReturnType<typeof createGarbageCollector>;
