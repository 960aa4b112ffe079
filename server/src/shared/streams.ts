import { createHash, type Hash } from 'node:crypto';
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
 * Passes bytes through unchanged while counting them and (unless told not to) computing their
 * SHA-256; fails the stream as soon as more than `maxBytes` went by.
 */
export class DigestCounter extends Transform {
  bytes = 0;
  private readonly hash: Hash | undefined;
  private readonly maxBytes: number;

  constructor(maxBytes = Number.POSITIVE_INFINITY, { sha256 = true }: { sha256?: boolean } = {}) {
    super();
    this.maxBytes = maxBytes;
    this.hash = sha256 ? createHash('sha256') : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(new TooManyBytesError(this.maxBytes));
      return;
    }
    this.hash?.update(chunk);
    callback(null, chunk);
  }

  /** The hex digest; call once, after the stream ended. */
  sha256(): string {
    if (this.hash === undefined) throw new Error('this counter was told not to hash');
    return this.hash.digest('hex');
  }
}

export class WrongLengthError extends Error {
  constructor(expected: number, actual: string) {
    super(`expected ${expected} bytes, got ${actual}`);
    this.name = 'WrongLengthError';
  }
}

/**
 * Passes exactly `length` bytes, or fails: it holds back the latest chunk until the source ends,
 * so a stream with more or fewer bytes fails before its last byte goes out and a client that
 * was promised `length` bytes can never take a wrong body for a whole one.
 */
export class ExactLength extends Transform {
  private seen = 0;
  private held: Buffer | undefined;
  private readonly length: number;

  constructor(length: number) {
    super();
    this.length = length;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.seen += chunk.length;
    if (this.seen > this.length) {
      callback(new WrongLengthError(this.length, 'more'));
      return;
    }
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback) {
    if (this.seen !== this.length) {
      callback(new WrongLengthError(this.length, String(this.seen)));
      return;
    }
    callback(null, this.held);
  }
}
