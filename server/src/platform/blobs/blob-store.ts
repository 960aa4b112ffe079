import type { Readable } from 'node:stream';

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

export interface BlobInfo {
  key: string;
  size: number;
  lastModified: Date;
}

/**
 * Where file contents live. Keys are server-generated (`blobs/<uuid>`); a blob becomes visible
 * under its key only once it was written completely, so a failed write leaves nothing behind.
 */
export interface BlobStore {
  readonly driver: 'fs' | 's3';
  /** Streams `body` into the blob `key`. Resolves once it is durable; rejects (and keeps nothing) if the body fails. */
  put(key: string, body: Readable): Promise<void>;
  /** The blob's bytes, or a range of them. Rejects with BlobNotFoundError when there is none. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Size and age, or undefined when there is no such blob. */
  stat(key: string): Promise<BlobInfo | undefined>;
  /** Removes the blob; removing a missing blob is not an error. */
  delete(key: string): Promise<void>;
  /** Every blob whose key starts with `prefix`. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /** Throws when the store can't be used (for the readiness check). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(key: string) {
    super(`no blob under ${key}`);
    this.name = 'BlobNotFoundError';
  }
}

/** Thrown when the store has no room left; the API answers 507. */
export class StorageFullError extends Error {
  constructor(cause?: unknown) {
    super('the blob store is full', { cause });
    this.name = 'StorageFullError';
  }
}
