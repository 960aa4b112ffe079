import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompleteMultipartUploadCommandOutput,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  NoSuchKey,
  NoSuchUpload,
  NotFound,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Config } from '../../config.ts';
import { DigestCounter } from '../../shared/streams.ts';
import { BlobNotFoundError, type BlobStore, type MultipartUploads, type PartInfo } from './blob-store.ts';

/** Memory held per upload is PART_SIZE × QUEUE_SIZE, whatever the size of the file. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

export function createS3Client(config: S3Config): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    credentials:
      config.accessKeyId !== undefined && config.secretAccessKey !== undefined
        ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey }
        : undefined,
    // Many S3-compatible stores reject the SDK's default CRC32 trailers; send checksums only when asked to.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function isMissing(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    error instanceof NotFound ||
    (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
  );
}

export function createS3BlobStore(config: S3Config, client: S3Client = createS3Client(config)): BlobStore {
  const Bucket = config.bucket;

  // Parts go from the client straight to S3 on presigned UploadPart URLs; S3 checks a part's
  // Content-MD5 when the client sends one, and its length against the signed Content-Length.
  async function uploadExists(key: string, uploadId: string): Promise<boolean> {
    try {
      await client.send(new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId, MaxParts: 1 }));
      return true;
    } catch (error) {
      if (error instanceof NoSuchUpload || isMissing(error)) return false;
      throw error;
    }
  }

  const multipart: MultipartUploads = {
    direct: true,
    async create(key) {
      const created = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: key }));
      if (created.UploadId === undefined) throw new Error('S3 returned no UploadId');
      return created.UploadId;
    },
    partUrl(key, uploadId, part, expiresInSeconds) {
      return getSignedUrl(
        client,
        new UploadPartCommand({
          Bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: part.number,
          ContentLength: part.size,
        }),
        {
          expiresIn: expiresInSeconds,
          // Signed, so S3 refuses a part of any other length when it arrives.
          signableHeaders: new Set(['content-length']),
        },
      );
    },
    async putPart() {
      throw new Error('with S3, parts are sent to their presigned URLs, not through the API');
    },
    async listParts(key, uploadId) {
      const parts: PartInfo[] = [];
      let PartNumberMarker: string | undefined;
      try {
        do {
          const page = await client.send(
            new ListPartsCommand({ Bucket, Key: key, UploadId: uploadId, PartNumberMarker }),
          );
          for (const part of page.Parts ?? []) {
            if (part.PartNumber === undefined || part.ETag === undefined) continue;
            parts.push({ number: part.PartNumber, size: part.Size ?? 0, etag: part.ETag });
          }
          PartNumberMarker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
        } while (PartNumberMarker !== undefined);
      } catch (error) {
        if (error instanceof NoSuchUpload || isMissing(error))
          throw new BlobNotFoundError(`${key} (${uploadId})`);
        throw error;
      }
      return parts.sort((a, b) => a.number - b.number);
    },
    async complete(key, uploadId, parts) {
      let completed: CompleteMultipartUploadCommandOutput;
      try {
        completed = await client.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.number, ETag: part.etag })) },
          }),
        );
      } catch (error) {
        // AWS answers NoSuchUpload; Ceph's RADOS Gateway a 500 InternalError, so ask.
        if (error instanceof NoSuchUpload || isMissing(error) || !(await uploadExists(key, uploadId)))
          throw new BlobNotFoundError(`${key} (${uploadId})`);
        throw error;
      }
      // The RADOS Gateway answers an empty ETag: the object itself shows whether the join happened.
      if (!completed.ETag) {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        const size = parts.reduce((total, part) => total + part.size, 0);
        if (head.ContentLength !== size)
          throw new Error(`S3 completed ${key} with ${head.ContentLength} bytes, not ${size}`);
      }
      // The parts went from the client to the bucket: the API never saw their bytes.
      return {};
    },
    async abort(key, uploadId) {
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId }));
      } catch (error) {
        if (!(error instanceof NoSuchUpload || isMissing(error))) throw error;
      }
    },
    async *list() {
      let KeyMarker: string | undefined;
      let UploadIdMarker: string | undefined;
      do {
        const page = await client.send(
          new ListMultipartUploadsCommand({ Bucket, KeyMarker, UploadIdMarker }),
        );
        for (const upload of page.Uploads ?? []) {
          if (upload.Key === undefined || upload.UploadId === undefined) continue;
          yield { key: upload.Key, uploadId: upload.UploadId, startedAt: upload.Initiated ?? new Date(0) };
        }
        KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        UploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
      } while (KeyMarker !== undefined);
    },
  };

  return {
    driver: 's3',
    multipart,
    async put(key, body, options = {}) {
      // The bytes pass through the server: hashed on their way to the bucket.
      const hashing = options.sha256
        ? body.pipe(new DigestCounter(Number.POSITIVE_INFINITY, { sha256: true }))
        : undefined;
      // Multipart with a bounded queue: streamed, never buffered whole; aborted if the body fails.
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: hashing ?? body },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
      });
      const failed = new Promise<never>((_, reject) => body.once('error', reject));
      try {
        await Promise.race([upload.done(), failed]);
      } catch (error) {
        await upload.abort().catch(() => {});
        throw error;
      }
      return { sha256: hashing?.digest('sha256', 'hex') };
    },
    async open(key, range) {
      const body = await this.get(key, range);
      return { to: (destination) => pipeline(body, destination, { end: false }) };
    },
    async get(key, range) {
      try {
        const response = await client.send(
          new GetObjectCommand({
            Bucket,
            Key: key,
            Range: range === undefined ? undefined : `bytes=${range.start}-${range.end}`,
          }),
        );
        return response.Body as Readable;
      } catch (error) {
        if (isMissing(error)) throw new BlobNotFoundError(key);
        throw error;
      }
    },
    async stat(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return { key, size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0) };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },
    async *list(prefix) {
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined) continue;
          yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
    },
    async check() {
      await client.send(new HeadBucketCommand({ Bucket }));
    },
    async close() {
      client.destroy();
    },
  };
}
