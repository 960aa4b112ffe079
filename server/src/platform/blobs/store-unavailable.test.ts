import { NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { isStoreUnavailable } from './blob-store.ts';

describe('isStoreUnavailable', () => {
  it('takes a store failing on its side for unavailable, and a refusal or a bug for not', () => {
    const internal = new S3ServiceException({
      name: 'InternalError',
      $fault: 'server',
      $metadata: { httpStatusCode: 500, attempts: 3 },
      message: 'We encountered an internal error.',
    });
    const slowDown = new S3ServiceException({
      name: 'SlowDown',
      $fault: 'client',
      $metadata: { httpStatusCode: 503 },
      message: 'Reduce your request rate.',
    });
    const missing = new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'The key does not exist.' });
    expect(isStoreUnavailable(internal)).toBe(true);
    expect(isStoreUnavailable(slowDown)).toBe(true);
    expect(isStoreUnavailable(missing)).toBe(false);
    expect(isStoreUnavailable(new TypeError('undefined is not a function'))).toBe(false);
    expect(isStoreUnavailable(undefined)).toBe(false);
  });
});
