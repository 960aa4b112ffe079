import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

export class TooManyBytesError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`more than ${limit} bytes`);
    this.limit = limit;
    this.name = 'TooManyBytesError';
  }
}

/**
 * Passes bytes through unchanged while counting them and computing their SHA-256; fails the
 * stream as soon as more than `maxBytes` went by.
 */
export class DigestCounter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly maxBytes: number;

  constructor(maxBytes = Number.POSITIVE_INFINITY) {
    super();
    this.maxBytes = maxBytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(new TooManyBytesError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** The hex digest; call once, after the stream ended. */
  sha256(): string {
    return this.hash.digest('hex');
  }
}
