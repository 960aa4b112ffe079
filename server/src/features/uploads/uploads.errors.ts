import { AppError } from '../../shared/errors.ts';

export const uploadNotFound = () => new AppError(404, 'not_found', 'No such upload.');
export const uploadExpired = () =>
  new AppError(
    410,
    'upload_expired',
    'This upload was left alone too long and has been cleaned up; start again.',
  );
export const uploadCompleted = () =>
  new AppError(409, 'upload_completed', 'This upload is already complete.');
export const invalidPartNumber = (count: number) =>
  new AppError(400, 'invalid_part_number', `Part numbers run from 1 to ${count} for this upload.`);
export const partRejected = (message: string) =>
  new AppError(400, 'part_rejected', `${message} Nothing was stored.`);
export const partsGoDirect = () =>
  new AppError(409, 'parts_go_direct', 'Send the parts of this upload to the URLs it lists, not to the API.');
export const missingParts = (numbers: number[]) =>
  new AppError(
    409,
    'missing_parts',
    `Part${numbers.length === 1 ? '' : 's'} ${numbers.slice(0, 20).join(', ')}${numbers.length > 20 ? ', …' : ''} ${numbers.length === 1 ? 'has' : 'have'} not arrived.`,
    {},
    { missingParts: numbers },
  );
export const wrongPartSizes = (parts: { number: number; size: number; expected: number }[]) =>
  new AppError(
    409,
    'part_size_mismatch',
    `Part ${parts[0]?.number} is ${parts[0]?.size} bytes; it must be ${parts[0]?.expected}. Send it again.`,
    {},
    { parts },
  );
export const storedSizeRequired = () =>
  new AppError(
    400,
    'invalid_request',
    'A gzip upload must declare storedSize, the size of the compressed bytes.',
  );
export const storedSizeMismatch = () =>
  new AppError(400, 'invalid_request', 'Without compression, storedSize must equal size.');
export const contentMismatch = (message: string) =>
  new AppError(422, 'content_mismatch', `${message} The upload was discarded.`);
export const sha256Differs = () =>
  new AppError(
    409,
    'sha256_conflict',
    'This SHA-256 differs from the one declared when the upload started, or verified when it completed; nothing was changed.',
  );
export const sha256Unverified = () =>
  new AppError(
    409,
    'sha256_conflict',
    'This upload was completed without a SHA-256, so its content was not hashed and this one cannot be checked; nothing was changed.',
  );
export const commitFailed = () =>
  new AppError(
    503,
    'commit_failed',
    'The file could not be recorded; nothing was kept. Complete again (send any parts the upload lists as missing first).',
  );
export const uploadCompleting = () =>
  new AppError(
    409,
    'upload_completing',
    'This upload is being completed by another request; ask again shortly.',
    {
      'retry-after': '2',
    },
  );
export const partsInFlight = () =>
  new AppError(
    409,
    'parts_in_flight',
    'Parts of this upload were still arriving while it was being completed; complete it again once they have.',
    {
      'retry-after': '5',
    },
  );
const GIB = 1024 ** 3;
export const tooLargeToInflate = (max: number) =>
  new AppError(
    413,
    'too_large_to_inflate',
    `A gzip upload may be at most ${max / GIB} GiB once inflated; upload a larger file uncompressed.`,
  );
export const implausibleCompression = (ratio: number) =>
  new AppError(
    400,
    'implausible_compression',
    `gzip can't make a file more than ${ratio} times smaller: size or storedSize is wrong.`,
  );
export const inflateLimitReached = (retryAfterSeconds: number) =>
  new AppError(
    429,
    'inflate_limit_reached',
    `Your gzip uploads have used this hour's allowance of decompression; try again in ${retryAfterSeconds} seconds, or upload uncompressed.`,
    { 'retry-after': String(retryAfterSeconds) },
  );
