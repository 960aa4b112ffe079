import { createReadStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { refusal } from '../connection.ts';
import { CliError, ExitCode } from '../errors.ts';

/** A part that makes no progress for this long (a dead connection, a hung server) is given up. */
const STALL_MS = 120_000;

export interface PartToPut {
  url: string;
  filePath: string;
  start: number;
  size: number;
  /** Sent to the API's own part URLs only; a presigned store URL must go without it. */
  authorization: string | undefined;
  /** The part's checksum header (Content-MD5 or x-amz-checksum-sha256) and its base64 value. */
  checksum: { header: string; value: string };
  onProgress: (sentBytes: number) => void;
}

/**
 * PUTs bytes `start`…`start + size` of a file to a part URL, streamed from the disk, with their
 * checksum, which the store or the API checks before it keeps the part.
 */
export async function putPart(part: PartToPut): Promise<void> {
  const end = part.start + part.size;
  const headers: Record<string, string> = {
    'content-length': String(part.size),
    'content-type': 'application/octet-stream',
    [part.checksum.header]: part.checksum.value,
  };
  if (part.authorization !== undefined) headers.authorization = part.authorization;
  const url = new URL(part.url);
  const transport = url.protocol === 'https:' ? https : http;
  const request = transport.request(url, { method: 'PUT', headers });
  request.setTimeout(STALL_MS, () => request.destroy(new Error('the part stalled')));
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.on('response', resolve);
    request.on('error', reject);
  });
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      part.onProgress(sent);
      done(null, chunk);
    },
  });
  const body = createReadStream(part.filePath, { start: part.start, end: end - 1 });
  // A server that refuses the part may answer before the body is all sent: its answer counts.
  const [, outcome] = await Promise.allSettled([
    part.size === 0 ? request.end() : pipeline(body, counter, request),
    answered,
  ]);
  if (outcome.status === 'rejected') {
    request.destroy();
    const reason = (outcome.reason as Error).message;
    throw new CliError(`sending a part failed: ${reason}`, ExitCode.network, 'network_error', 0);
  }
  const response = outcome.value;
  const text = await readText(response);
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return;
  throw refusal(status, parseJson(text) ?? { error: { message: `the part was refused (${status})` } });
}

async function readText(response: http.IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response.setEncoding('utf8')) text += chunk as string;
  return text;
}

/** The API answers JSON; a store answers XML, which says nothing the status doesn't. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
