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

type Algorithm = 'md5' | 'sha256';

/**
 * Passes bytes through unchanged while counting them and taking the digests asked for; fails the
 * stream as soon as more than `maxBytes` went by.
 */
export class DigestCounter extends Transform {
  bytes = 0;
  private readonly hashes: Partial<Record<Algorithm, Hash>> = {};
  private readonly maxBytes: number;

  constructor(maxBytes = Number.POSITIVE_INFINITY, digests: Partial<Record<Algorithm, boolean>> = {}) {
    super();
    this.maxBytes = maxBytes;
    for (const algorithm of ['md5', 'sha256'] as const) {
      if (digests[algorithm]) this.hashes[algorithm] = createHash(algorithm);
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(new TooManyBytesError(this.maxBytes));
      return;
    }
    this.hashes.md5?.update(chunk);
    this.hashes.sha256?.update(chunk);
    callback(null, chunk);
  }

  /** A digest that was asked for (undefined otherwise); once per algorithm, after the stream ended. */
  digest(algorithm: Algorithm, encoding: 'hex' | 'base64'): string | undefined {
    return this.hashes[algorithm]?.digest(encoding);
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
