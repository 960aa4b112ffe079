import { setTimeout as sleep } from 'node:timers/promises';
import type { CreateUploadResponse } from '../api/index.ts';
import { getUpload } from '../api/sdk.gen.ts';
import { authorizationHeader, unwrap } from '../connection.ts';
import { CliError } from '../errors.ts';
import { putPart } from './put-part.ts';

export type UploadSession = CreateUploadResponse;

const PARTS_IN_FLIGHT = 4;
const PART_ATTEMPTS = 4;
/** The wait before a part's second attempt; it doubles for each one after. */
const BACK_OFF_MS = 1000;

/** No answer, a timeout, too many requests, a server error, or an expired URL (403): worth another try. */
const isRetriable = (status: number) =>
  status === 0 || status === 403 || status === 408 || status === 429 || status >= 500;

export const sumSizes = (parts: { size: number }[]) => parts.reduce((sum, part) => sum + part.size, 0);

/** The numbers of the parts a session lacks, in order. */
export function missingParts(session: UploadSession): number[] {
  const arrived = new Set(session.uploadedParts.map((part) => part.number));
  return session.parts.filter((part) => !arrived.has(part.number)).map((part) => part.number);
}

/** The checksum header a part's destination checks: S3 checks Content-MD5; the API either, SHA-256 costs less. */
export const partAlgorithm = (session: UploadSession) => (session.partsNeedCredentials ? 'sha256' : 'md5');
const checksumHeader = (session: UploadSession) =>
  session.partsNeedCredentials ? 'x-amz-checksum-sha256' : 'content-md5';

/**
 * Sends the parts of a file that its session doesn't have yet, four at a time, each once its
 * checksum (`checksumOf`, base64, of the algorithm `partAlgorithm` names) is known. A part that fails
 * for a reason that may pass is tried again after a back-off, with fresh part URLs. `onSent`
 * hears the bytes sent so far, the parts that had already arrived included; `onPart` each part
 * that arrived. Answers how many parts it sent.
 */
export async function sendMissingParts(options: {
  filePath: string;
  session: UploadSession;
  onSent: (bytes: number) => void;
  onPart?: (number: number) => void;
  checksumOf: (number: number) => Promise<string>;
}): Promise<number> {
  let session = options.session;
  const pending = missingParts(session);
  const partsToSend = pending.length;
  let doneBytes = sumSizes(session.uploadedParts);
  const inFlight = new Map<number, number>();
  const report = () => {
    let sent = doneBytes;
    for (const loaded of inFlight.values()) sent += loaded;
    options.onSent(sent);
  };
  report();

  const sendOne = async (number: number) => {
    for (let attempt = 1; ; attempt++) {
      const part = session.parts.find((candidate) => candidate.number === number);
      if (part === undefined) throw new CliError(`the server did not hand out part ${number}`);
      const checksum = { header: checksumHeader(session), value: await options.checksumOf(number) };
      try {
        await putPart({
          url: part.url,
          filePath: options.filePath,
          start: (number - 1) * session.partSize,
          size: part.size,
          authorization: session.partsNeedCredentials ? authorizationHeader() : undefined,
          checksum,
          onProgress: (loaded) => {
            inFlight.set(number, loaded);
            report();
          },
        });
        inFlight.delete(number);
        doneBytes += part.size;
        report();
        options.onPart?.(number);
        return;
      } catch (error) {
        inFlight.delete(number);
        report();
        const status = error instanceof CliError ? (error.status ?? 0) : 0;
        if (!isRetriable(status) || attempt >= PART_ATTEMPTS) throw error;
        await sleep(BACK_OFF_MS * 2 ** (attempt - 1));
        // Part URLs expire (a presigned URL answers 403): ask for fresh ones.
        session = await unwrap(getUpload({ path: { id: session.id } }));
      }
    }
  };

  const worker = async () => {
    for (let number = pending.shift(); number !== undefined; number = pending.shift()) await sendOne(number);
  };
  await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, pending.length) }, worker));
  return partsToSend;
}
