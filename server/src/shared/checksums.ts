import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { TooManyBytesError } from './streams.ts';

/**
 * Passes bytes through while counting them and taking the digests asked for (to check a part
 * against the Content-MD5 or x-amz-checksum-sha256 its client sent); fails past `maxBytes`.
 */
export class PartDigester extends Transform {
  bytes = 0;
  private readonly md5: Hash | undefined;
  private readonly sha256: Hash | undefined;
  private readonly maxBytes: number;

  constructor(maxBytes: number, digests: { md5: boolean; sha256: boolean }) {
    super();
    this.maxBytes = maxBytes;
    this.md5 = digests.md5 ? createHash('md5') : undefined;
    this.sha256 = digests.sha256 ? createHash('sha256') : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(new TooManyBytesError(this.maxBytes));
      return;
    }
    this.md5?.update(chunk);
    this.sha256?.update(chunk);
    callback(null, chunk);
  }

  /** The digests asked for, in base64 (as HTTP headers carry them); call once, after the stream ended. */
  digests(): { md5?: string; sha256?: string } {
    return { md5: this.md5?.digest('base64'), sha256: this.sha256?.digest('base64') };
  }
}
