import type { OutgoingHttpHeaders } from 'node:http';
import { pipeline, Readable, Writable } from 'node:stream';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import negotiate from '@fastify/accept-negotiator';
import { create as contentDisposition } from 'content-disposition';
import type { FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import { Type } from 'typebox';
import { type BlobCopy, BlobNotFoundError } from '../../platform/blobs/blob-store.ts';
import type { Metrics } from '../../platform/metrics/metrics.ts';
import { servedContentType } from '../../shared/content-types.ts';
import { ExactLength } from '../../shared/streams.ts';
import type { ArchiveEntry } from '../nodes/nodes.archive.ts';
import type { NodeRow } from '../nodes/nodes.table.ts';
import { blobMissing } from './files.errors.ts';
import type { FilesService } from './files.service.ts';
import { safeZipEntries } from './zip-entry-names.ts';

/** The answers a file download gives, for a route's schema (its errors are the route's own). */
export const FileContent = {
  200: Type.Unknown({ description: 'The file' }),
  206: Type.Unknown({ description: 'Part of the file' }),
  304: Type.Null({ description: 'Not modified' }),
  416: Type.Null({ description: 'Range not satisfiable' }),
};

/** Uploaded content never runs in our origin: no scripts, no plugins, no same-origin access. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox";

/** RFC 6266: an ASCII fallback `filename` and the exact name as UTF-8 in `filename*`. */
export function attachmentHeader(name: string): string {
  const header = contentDisposition(name, { type: 'attachment' });
  if (header.includes('filename*=')) return header;
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${header}; filename*=UTF-8''${encoded}`;
}

/**
 * Strong: 128 bits of the content's identity as 32 hex digits, the first half of the SHA-256 when
 * it is known, otherwise the blob's id (a blob key's content never changes; replacing a file gives
 * it a new blob). Short enough for the clients that keep an If header with two of them in 200 bytes.
 */
export function etagOf(file: NodeRow): string {
  const identity = file.sha256 ?? file.blobKey?.replace(/^blobs\//, '').replaceAll('-', '') ?? '';
  return `"${identity.slice(0, 32)}"`;
}

/** The byte range to send, or undefined for the whole file; 'unsatisfiable' for a 416. */
function requestedRange(request: FastifyRequest, file: NodeRow, size: number) {
  const header = request.headers.range;
  if (header === undefined) return undefined;
  const ifRange = request.headers['if-range'];
  // If-Range with anything but this file's current strong ETag means "send it all".
  if (ifRange !== undefined && ifRange !== etagOf(file)) return undefined;
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable' as const;
  // Malformed, or several ranges: the whole file is a correct answer to either.
  if (ranges === -2 || ranges.length !== 1 || ranges.type !== 'bytes') return undefined;
  return ranges[0];
}

/** The part of a file's representation that an answer sends: bytes `start` to `end` of `size`. */
export interface SentPart {
  start: number;
  end: number;
  size: number;
}

/** What a caller may learn of a download that sends content (a GET, not a 304 or 416). */
export interface DownloadHooks {
  /** Before any byte of it goes out, even before the file is opened; throwing refuses the download. */
  beforeSend?(part: SentPart): Promise<void>;
  /**
   * Once the answer has ended, whole or cut off: how many of the part's bytes the client was sent.
   * The request lasts until it settles (a shutdown waits for it); it must not reject.
   */
  onFinished?(sentBytes: number): Promise<void>;
}

/**
 * `target` as a writable that counts what it took: a chunk counts once the target's write of it
 * completed. One write at a time goes through, so a writer that reuses its buffers after their
 * write's callback (the blob stores do) still may.
 */
class CountedWrites extends Writable {
  sent = 0;
  private readonly target: Writable;

  constructor(target: Writable) {
    super({ highWaterMark: target.writableHighWaterMark });
    this.target = target;
    // A failed write already fails the copy that made it.
    this.on('error', () => {});
    target.once('close', () => this.destroy());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void) {
    this.target.write(chunk, (error) => {
      if (!error) this.sent += chunk.length;
      callback(error);
    });
  }
}

/**
 * How a file, or several as a zip, goes to whoever may download it: streamed, with Range,
 * If-Range, ETag and If-None-Match, always as an attachment with `nosniff` and a sandboxing CSP.
 * Every route that hands out content answers through here, so they all send the same headers.
 */
export function createDownloads(files: FilesService, metrics: Pick<Metrics, 'downloadedBytes'>) {
  /** Runs `open`, turning a missing blob (a bug: no row may point at one) into a logged 500. */
  async function fromBlob<T>(
    request: FastifyRequest,
    file: NodeRow,
    open: (key: string) => Promise<T>,
  ): Promise<T> {
    try {
      return await open(file.blobKey ?? '');
    } catch (error) {
      if (!(error instanceof BlobNotFoundError)) throw error;
      request.log.error({ nodeId: file.id, blobKey: file.blobKey }, 'a file points at a missing blob');
      throw blobMissing();
    }
  }

  /** What every download says about the file, whatever part of it is sent. */
  function describeFile(reply: FastifyReply, file: NodeRow, acceptRanges: 'bytes' | 'none') {
    reply.headers({
      etag: etagOf(file),
      'last-modified': file.updatedAt.toUTCString(),
      'cache-control': 'private, no-cache',
      'accept-ranges': acceptRanges,
      'content-type': servedContentType(file.contentType),
      'content-disposition': attachmentHeader(file.name),
      'x-content-type-options': 'nosniff',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    });
  }

  /** Writes the body ourselves (the blob store copies faster than a stream), after the headers Fastify holds. */
  async function sendCopy(
    request: FastifyRequest,
    reply: FastifyReply,
    body: BlobCopy,
    hooks: DownloadHooks | undefined,
  ) {
    reply.hijack();
    const raw = reply.raw;
    // A client that hangs up mid-download makes writes fail; that ends the copy below, and must
    // not surface as an unhandled error event.
    raw.on('error', () => {});
    const counted = hooks?.onFinished === undefined ? undefined : new CountedWrites(raw);
    // Read off the socket rather than through another stream, which would cost every download a copy.
    const socket = raw.socket;
    const writtenBefore = socket?.bytesWritten ?? 0;
    let copying = false;
    try {
      // Inside the try: once hijacked, nothing but this function answers or closes the connection.
      raw.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
      copying = true;
      await body.to(counted ?? raw);
      raw.end();
    } catch (error) {
      // A broken connection is the only honest signal left (the headers are out, or can't be sent).
      if (copying) request.log.warn({ err: error }, 'download interrupted');
      else request.log.error({ err: error }, 'a download’s headers could not be written');
      raw.destroy();
      // A copy that never started still holds its file or store connection; on the closed response it lets them go.
      if (!copying) await body.to(raw).catch(() => {});
    }
    if (socket !== null) metrics.downloadedBytes.inc(Math.max(0, socket.bytesWritten - writtenBefore));
    if (counted !== undefined) await hooks?.onFinished?.(counted.sent);
  }

  /** Opens the content once the caller has agreed to send `part`; a failure to open sends nothing of it. */
  async function opened<T>(hooks: DownloadHooks | undefined, part: SentPart, open: () => Promise<T>) {
    await hooks?.beforeSend?.(part);
    try {
      return await open();
    } catch (error) {
      await hooks?.onFinished?.(0);
      throw error;
    }
  }

  /**
   * A gzip-stored file: its stored bytes with Content-Encoding: gzip to a client that accepts
   * that, otherwise inflated here, checked to be exactly the declared size. No ranges: a range
   * of one representation would be wrong for the other.
   */
  async function sendCompressed(
    request: FastifyRequest,
    reply: FastifyReply,
    file: NodeRow,
    hooks: DownloadHooks | undefined,
  ) {
    const passThrough = negotiate(request.headers['accept-encoding'] ?? '', ['gzip', 'identity']) === 'gzip';
    const length = (passThrough ? file.storedSize : file.size) ?? 0;
    describeFile(reply, file, 'none');
    reply.header('vary', 'Accept-Encoding');
    if (passThrough) reply.header('content-encoding', 'gzip');
    reply.header('content-length', length);
    if (request.method === 'HEAD') return reply.send();
    const whole = { start: 0, end: length - 1, size: length };
    if (passThrough) {
      const body = await opened(hooks, whole, () => fromBlob(request, file, (key) => files.openBlob(key)));
      return sendCopy(request, reply, body, hooks);
    }
    const stored = await opened(hooks, whole, () => fromBlob(request, file, (key) => files.readBlob(key)));
    const inflated = pipeline(stored, createGunzip(), new ExactLength(file.size ?? 0), (error) => {
      if (error)
        request.log.error({ err: error, nodeId: file.id }, 'a compressed file did not inflate to its size');
    });
    const copy: BlobCopy = { to: (destination) => pipelinePromise(inflated, destination, { end: false }) };
    return sendCopy(request, reply, copy, hooks);
  }

  /**
   * Streams these entries as one zip (stored, not compressed: most files are compressed already).
   * The zip library is loaded by the first zip asked for: it is 4 MiB of a server's memory otherwise.
   */
  async function sendZip(
    request: FastifyRequest,
    reply: FastifyReply,
    archived: ArchiveEntry[],
    requestedName: string | undefined,
  ) {
    const entries = safeZipEntries(archived);
    const { ZipArchive } = await import('archiver');
    const archive = new ZipArchive({ store: true });
    for (const entry of entries) {
      if (entry.kind === 'folder') {
        archive.append('', { name: `${entry.path}/` });
        continue;
      }
      const key = entry.blobKey ?? '';
      // Opened only when the archive reaches it, so one blob at a time is read.
      const content = Readable.from(
        (async function* () {
          const stored = await files.readBlob(key);
          yield* entry.gzip ? stored.pipe(createGunzip()) : stored;
        })(),
      );
      archive.append(content, { name: entry.path });
    }
    archive.on('warning', (error) => request.log.warn({ err: error }, 'zip: warning'));
    archive.on('error', (error) => request.log.error({ err: error }, 'zip: failed'));
    void archive.finalize();
    // One file or folder names the zip after itself.
    const tops = new Set(entries.map((entry) => entry.path.split('/')[0] ?? 'files'));
    const name = `${requestedName ?? (tops.size === 1 ? [...tops][0] : 'files')}.zip`;
    return reply
      .headers({
        'content-type': 'application/zip',
        'content-disposition': attachmentHeader(name),
        'x-content-type-options': 'nosniff',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'cache-control': 'private, no-store',
      })
      .send(archive);
  }

  /** A file, or the range of it asked for; `hooks` hear of what is sent (HEAD, 304 and 416 send nothing). */
  async function sendFile(
    request: FastifyRequest,
    reply: FastifyReply,
    file: NodeRow,
    hooks?: DownloadHooks,
  ) {
    if (file.encoding === 'gzip') return sendCompressed(request, reply, file, hooks);
    const size = file.size ?? 0;
    const ifNoneMatch = request.headers['if-none-match'];
    const notModified =
      ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etagOf(file)) ?? false;
    const range = notModified ? undefined : requestedRange(request, file, size);
    if (range === 'unsatisfiable') {
      return reply.code(416).header('content-range', `bytes */${size}`).send();
    }
    const length = range === undefined ? size : range.end - range.start + 1;
    const part = { start: range?.start ?? 0, end: range?.end ?? size - 1, size };
    const sending = !notModified && request.method !== 'HEAD';
    const body = !sending
      ? undefined
      : await opened(hooks, part, async () =>
          length === 0 ? undefined : fromBlob(request, file, (key) => files.openBlob(key, range)),
        );
    describeFile(reply, file, 'bytes');
    if (notModified) return reply.code(304).send();
    if (range !== undefined)
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`);
    reply.header('content-length', length);
    if (body !== undefined) return sendCopy(request, reply, body, hooks);
    if (sending) await hooks?.onFinished?.(0);
    return reply.send();
  }

  return { sendFile, sendZip };
}

export type Downloads = ReturnType<typeof createDownloads>;
