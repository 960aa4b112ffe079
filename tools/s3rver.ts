import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import type net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import type { S3Config } from '../server/src/config.ts';

/**
 * s3rver, an S3 emulator in this process that keeps its objects as files: the peer of
 * `npm run cluster` (whose blobs outlive a restart, as its database does) and of the benchmarks
 * (whose figures were measured with it). The tests use the RADOS Gateway (rgw.ts), which checks
 * signatures as S3 does; s3rver checks none.
 */
export async function startS3rver(
  directory: string,
  bucket: string,
): Promise<{ config: S3Config; close(): Promise<void> }> {
  await fs.mkdir(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  addMultipartOperations(server, directory);
  const { port } = (await server.run()) as net.AddressInfo;
  return {
    config: {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    },
    close: () => server.close(),
  };
}

/*
 * s3rver 3.7.1 lacks operations the S3 blob store uses: ListParts, AbortMultipartUpload and
 * ListMultipartUploads; it doesn't check Content-MD5 on UploadPart, accepts parts for uploads
 * that don't exist, and crashes its process when CompleteMultipartUpload names a part that never
 * arrived. This adds those behaviours as S3 documents them, working on s3rver's own files
 * (`<bucket>/._S3rver_uploads/<uploadId>/{key,<n>,<n>.md5}`), so the driver runs the same SDK
 * calls against it as against S3.
 */

const require = createRequire(import.meta.url);
const S3Error = require('s3rver/lib/models/error') as new (
  code: string,
  message: string,
  detail?: Record<string, unknown>,
) => Error;

const UPLOADS_DIR = '._S3rver_uploads';
const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

interface KoaContext {
  path: string;
  method: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | string[] | undefined>;
  req: import('node:http').IncomingMessage;
  request: { req: unknown };
  body: unknown;
  status: number;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

interface Part {
  PartNumber: number;
  ETag: string;
  Size: number;
  LastModified: string;
}

function addMultipartOperations(server: S3rver, root: string) {
  const noSuchUpload = (uploadId: string | undefined) =>
    new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });

  async function uploadDir(bucket: string, key: string | undefined, uploadId: string | undefined) {
    if (uploadId === undefined || !/^[0-9a-f]{32}$/.test(uploadId)) throw noSuchUpload(uploadId);
    const dir = path.join(root, bucket, UPLOADS_DIR, uploadId);
    const storedKey = await fs.readFile(path.join(dir, 'key'), 'utf8').catch(() => undefined);
    if (storedKey === undefined || (key !== undefined && storedKey !== key)) throw noSuchUpload(uploadId);
    return dir;
  }

  async function partsIn(dir: string): Promise<Part[]> {
    // s3rver writes <n>.md5 once part n is complete.
    const names = (await fs.readdir(dir)).filter((name) => /^\d+\.md5$/.test(name));
    const parts = await Promise.all(
      names.map(async (name) => {
        const number = Number(name.slice(0, -4));
        const stats = await fs.stat(path.join(dir, String(number)));
        const md5 = (await fs.readFile(path.join(dir, name), 'utf8')).trim();
        return {
          PartNumber: number,
          ETag: `"${md5}"`,
          Size: stats.size,
          LastModified: stats.mtime.toISOString(),
        };
      }),
    );
    return parts.sort((a, b) => a.PartNumber - b.PartNumber);
  }

  const middleware: Middleware = async (ctx, next) => {
    const match = /^\/([^/]+)\/?(.*)$/.exec(ctx.path);
    if (match === null) return next();
    const bucket = decodeURIComponent(match[1] ?? '');
    const key = match[2] ? decodeURIComponent(match[2]) : undefined;
    const { uploadId } = ctx.query;
    const isUpload = key !== undefined && 'uploadId' in ctx.query;

    if (isUpload && ctx.method === 'GET') {
      const parts = await partsIn(await uploadDir(bucket, key, uploadId));
      const marker = Number(ctx.query['part-number-marker'] ?? 0);
      const max = Math.min(Number(ctx.query['max-parts'] ?? 1000), 1000);
      const after = parts.filter((part) => part.PartNumber > marker);
      const page = after.slice(0, max);
      ctx.body = {
        ListPartsResult: {
          '@': { xmlns: XMLNS },
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumberMarker: marker,
          NextPartNumberMarker: page.at(-1)?.PartNumber ?? marker,
          MaxParts: max,
          IsTruncated: after.length > max,
          Part: page,
        },
      };
      return;
    }
    if (isUpload && ctx.method === 'DELETE') {
      await fs.rm(await uploadDir(bucket, key, uploadId), { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (key === undefined && 'uploads' in ctx.query && ctx.method === 'GET') {
      const base = path.join(root, bucket, UPLOADS_DIR);
      const ids = await fs.readdir(base).catch(() => [] as string[]);
      const uploads = [];
      for (const id of ids) {
        const file = path.join(base, id, 'key');
        const uploadKey = await fs.readFile(file, 'utf8').catch(() => undefined);
        if (uploadKey === undefined) continue;
        const stats = await fs.stat(file);
        uploads.push({ Key: uploadKey, UploadId: id, Initiated: stats.mtime.toISOString() });
      }
      ctx.body = {
        ListMultipartUploadsResult: {
          '@': { xmlns: XMLNS },
          Bucket: bucket,
          IsTruncated: false,
          Upload: uploads,
        },
      };
      return;
    }
    if (isUpload && ctx.method === 'PUT') {
      const dir = await uploadDir(bucket, key, uploadId);
      const number = ctx.query.partNumber ?? '';
      if (!/^\d+$/.test(number) || Number(number) < 1 || Number(number) > 10_000) {
        throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
      }
      await next();
      const sent = ctx.headers['content-md5'];
      if (typeof sent === 'string') {
        const stored = (await fs.readFile(path.join(dir, `${number}.md5`), 'utf8')).trim();
        if (Buffer.from(sent, 'base64').toString('hex') !== stored) {
          await fs.rm(path.join(dir, number), { force: true });
          await fs.rm(path.join(dir, `${number}.md5`), { force: true });
          throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
        }
      }
      return;
    }
    if (isUpload && ctx.method === 'POST') {
      const dir = await uploadDir(bucket, key, uploadId);
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      const xml = Buffer.concat(chunks).toString('utf8');
      const listed = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
        number: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] ?? '')?.[1]),
        etag: (/<ETag>([\s\S]*?)<\/ETag>/.exec(m[1] ?? '')?.[1] ?? '').replace(/&quot;|"/g, ''),
      }));
      if (listed.length === 0) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed.');
      const have = new Map((await partsIn(dir)).map((part) => [part.PartNumber, part]));
      for (const [i, wanted] of listed.entries()) {
        if (i > 0 && wanted.number <= (listed[i - 1]?.number ?? 0)) {
          throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.');
        }
        const part = have.get(wanted.number);
        if (part === undefined || part.ETag.replace(/"/g, '') !== wanted.etag) {
          throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found.');
        }
        if (i < listed.length - 1 && part.Size < 5 * 1024 * 1024) {
          throw new S3Error(
            'EntityTooSmall',
            'Your proposed upload is smaller than the minimum allowed size',
          );
        }
      }
      // Give s3rver's own handler the body it would have read.
      const replay = Object.assign(Readable.from([Buffer.from(xml)]), {
        headers: ctx.req.headers,
        method: ctx.req.method,
        url: ctx.req.url,
        httpVersion: ctx.req.httpVersion,
        socket: ctx.req.socket,
        connection: ctx.req.socket,
      });
      ctx.req = replay as unknown as import('node:http').IncomingMessage;
      ctx.request.req = replay;
    }
    return next();
  };

  // s3rver registers its router last; these run just before it.
  const stack = (server as unknown as { middleware: Middleware[] }).middleware;
  stack.splice(stack.length - 1, 0, middleware);
}
