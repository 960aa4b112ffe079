import type { UploadRow } from './uploads.table.ts';

const MIB = 1024 * 1024;
/** S3 needs at least 5 MiB in every part but the last; 8 MiB keeps request counts low. */
const MIN_PART_SIZE = 8 * MIB;
const MAX_PARTS = 10_000;
// Every part costs a request, a flush and, in a browser, a round of IPC; every part in flight is
// progress lost when a connection breaks. Up to 4 GiB a file gets about 64 parts; beyond that
// parts stay at 64 MiB until S3's 10,000-part limit makes them larger.
const PREFERRED_PARTS = 64;
const PREFERRED_MAX_PART_SIZE = 64 * MIB;

/**
 * Part size and count for a blob of `storedSize` bytes: whole MiB, at least 8 MiB, about 64 parts
 * while they fit in 64 MiB, never more than 10,000 parts.
 */
export function partLayout(storedSize: number): { partSize: number; partCount: number } {
  const wholeMiB = (bytes: number) => Math.ceil(bytes / MIB) * MIB;
  const partSize = Math.max(
    MIN_PART_SIZE,
    Math.min(PREFERRED_MAX_PART_SIZE, wholeMiB(storedSize / PREFERRED_PARTS)),
    wholeMiB(storedSize / MAX_PARTS),
  );
  return { partSize, partCount: Math.ceil(storedSize / partSize) };
}

/** How many bytes part `number` (1-based) of the session must have. */
export function expectedPartSize(
  session: Pick<UploadRow, 'partSize' | 'partCount' | 'storedSize'>,
  number: number,
) {
  return number < session.partCount
    ? session.partSize
    : session.storedSize - session.partSize * (session.partCount - 1);
}
