import type { Readable, Writable } from 'node:stream';

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

export interface PartInfo {
  number: number;
  size: number;
  etag: string;
}

/** What a part must be to be accepted. Checksums are base64, as HTTP sends them. */
export interface PartExpectation {
  size: number;
  /** Where the part starts in the whole blob. */
  offset: number;
  md5?: string;
  sha256?: string;
}

/** How the store may treat a body it is given. */
export interface BodyOptions {
  /**
   * Nothing but the store reads the body's chunks (true of a request body handed over as it
   * arrives), so a driver may free each chunk's memory as soon as it is written instead of leaving
   * it to the garbage collector. Off by default: a caller's own buffers stay intact.
   */
  releaseChunks?: boolean;
}

/** How the store may treat a body it is given, and what it answers about it. */
export interface PutOptions extends BodyOptions {
  /** Answer the SHA-256 of what was stored (a driver may take it where it costs the server least). */
  sha256?: boolean;
}

/**
 * Multipart uploads, modelled on S3's: parts arrive in any order, may be sent again, and become a
 * blob only when completed. Nothing of an incomplete upload is visible as a blob.
 */
export interface MultipartUploads {
  /** True when parts go from the client straight to the store, so the API never sees their bytes. */
  readonly direct: boolean;
  /** Starts an upload that will become the blob `key`; returns the store's id for it. */
  create(key: string): Promise<string>;
  /**
   * A URL the client sends part `number` (exactly `size` bytes) to directly (PUT, no
   * Authorization header), or undefined when this store takes parts through the API (putPart).
   */
  partUrl(
    key: string,
    uploadId: string,
    part: { number: number; size: number },
    expiresInSeconds: number,
  ): Promise<string | undefined>;
  /** Stores a part that came through the API; refuses (PartRejectedError) a wrong size or checksum. */
  putPart(
    key: string,
    uploadId: string,
    number: number,
    body: Readable,
    expect: PartExpectation,
    options?: BodyOptions,
  ): Promise<PartInfo>;
  /** The parts that have arrived, by number. */
  listParts(key: string, uploadId: string): Promise<PartInfo[]>;
  /**
   * Joins the parts, in order, into the blob `key`. Afterwards `abort` clears whatever the store kept
   * of them. Answers the blob's SHA-256 when the store already knows it (taken as the parts arrived),
   * so that it need not be read back. Rejects with BlobNotFoundError when the upload is gone
   * (aborted, or completed already).
   */
  complete(key: string, uploadId: string, parts: PartInfo[]): Promise<{ sha256?: string | undefined }>;
  /** Drops the upload and its parts; aborting one that is gone is not an error. */
  abort(key: string, uploadId: string): Promise<void>;
  /** Every upload in progress, for the garbage collector. */
  list(): AsyncIterable<{ key: string; uploadId: string; startedAt: Date }>;
}

export class PartRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartRejectedError';
  }
}

/** A part arrived for an upload that is being completed: it is refused, and nothing of it is stored. */
export class UploadClosedError extends Error {
  constructor() {
    super('the upload is being completed and takes no more parts');
    this.name = 'UploadClosedError';
  }
}

/** Completing found parts still being received, and waited for them in vain. */
export class PartsInFlightError extends Error {
  constructor() {
    super('parts of the upload are still being received');
    this.name = 'PartsInFlightError';
  }
}

/** An opened blob (or range of one), ready to be written to a destination. */
export interface BlobCopy {
  /** Writes the bytes to `destination` (without ending it), respecting its backpressure. */
  to(destination: Writable): Promise<void>;
}

/**
 * Where file contents live. Keys are server-generated (`blobs/<uuid>`); a blob becomes visible
 * under its key only once it was written completely, so a failed write leaves nothing behind.
 */
export interface BlobStore {
  readonly driver: 'fs' | 's3';
  /**
   * Streams `body` into the blob `key`. Resolves once it is durable, with the SHA-256 of what was
   * stored if `options.sha256` asked for it; rejects (and keeps nothing) if the body fails.
   */
  put(key: string, body: Readable, options?: PutOptions): Promise<{ sha256?: string | undefined }>;
  /** The blob's bytes, or a range of them. Rejects with BlobNotFoundError when there is none. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /**
   * Opens the blob for copying to a response: rejects with BlobNotFoundError before anything is
   * written. A driver may copy faster than a stream would (reused buffers instead of new ones).
   */
  open(key: string, range?: ByteRange): Promise<BlobCopy>;
  /** Size and age, or undefined when there is no such blob. */
  stat(key: string): Promise<BlobInfo | undefined>;
  /** Removes the blob; removing a missing blob is not an error. */
  delete(key: string): Promise<void>;
  /** Every blob whose key starts with `prefix`. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /** Throws when the store can't be used (for the readiness check). */
  check(): Promise<void>;
  close(): Promise<void>;
  readonly multipart: MultipartUploads;
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

/**
 * Whether an error is the store failing on its side (an S3 5xx that outlasted the client's
 * retries, or its timeout): the request may succeed if sent again, so it is a 503, not a 500.
 */
export function isStoreUnavailable(error: unknown): boolean {
  const failure = error as { $fault?: unknown; $metadata?: { httpStatusCode?: unknown }; name?: unknown };
  if (failure?.$fault === 'server') return true;
  const status = failure?.$metadata?.httpStatusCode;
  return (typeof status === 'number' && status >= 500) || failure?.name === 'TimeoutError';
}
