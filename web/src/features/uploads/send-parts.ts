import { ApiError } from '../../app/api-client';
import { type Clock, isAbort, sleep } from './clock';
import type { UploadSession, UploadTransport } from './upload-transport';

const PARTS_IN_FLIGHT = 4;
const PART_ATTEMPTS = 4;
/** The wait before a part's second attempt; it doubles for each one after. */
const BACK_OFF_MS = 1000;

/** No answer, a timeout, too many requests, a server error, or an expired URL (403): worth another try. */
const isRetriable = (status: number) =>
  status === 0 || status === 403 || status === 408 || status === 429 || status >= 500;

export function sumSizes(parts: { size: number }[]) {
  return parts.reduce((sum, part) => sum + part.size, 0);
}

/**
 * Sends the parts of `body` that the session doesn't have yet, four at a time. A part that fails
 * for a reason that may pass is tried again after a back-off, with fresh part URLs; the first
 * failure that doesn't pass (or a fourth attempt) ends it. `onSent` hears the bytes sent so far,
 * the parts that had already arrived included.
 */
export async function sendParts(options: {
  transport: UploadTransport;
  clock: Clock;
  body: Blob;
  session: UploadSession;
  signal: AbortSignal;
  onSent: (bytes: number) => void;
}) {
  const { transport, clock, body, signal } = options;
  let session = options.session;
  const arrived = new Set(session.uploadedParts.map((part) => part.number));
  const pending = session.parts.filter((part) => !arrived.has(part.number)).map((part) => part.number);
  let doneBytes = sumSizes(session.uploadedParts);
  const inFlight = new Map<number, number>();
  const report = () => {
    let sent = doneBytes;
    for (const loaded of inFlight.values()) sent += loaded;
    options.onSent(Math.min(sent, body.size));
  };
  report();

  const sendOne = async (number: number) => {
    for (let attempt = 1; ; attempt++) {
      const part = session.parts.find((p) => p.number === number);
      if (!part) throw new Error(`The server did not hand out part ${number}.`);
      const start = (number - 1) * session.partSize;
      try {
        await transport.sendPart({
          url: part.url,
          body: body.slice(start, start + part.size),
          onTheApi: session.partsNeedCredentials,
          signal,
          onProgress: (loaded) => {
            inFlight.set(number, loaded);
            report();
          },
        });
        inFlight.delete(number);
        doneBytes += part.size;
        report();
        return;
      } catch (error) {
        inFlight.delete(number);
        report();
        if (isAbort(error) || signal.aborted) throw error;
        const status = error instanceof ApiError ? error.status : 0;
        if (!isRetriable(status) || attempt >= PART_ATTEMPTS) throw error;
        await sleep(clock, BACK_OFF_MS * 2 ** (attempt - 1), signal);
        // Part URLs expire (a presigned URL answers 403): ask for fresh ones.
        session = await transport.getSession(session.id);
      }
    }
  };

  const worker = async () => {
    for (let number = pending.shift(); number !== undefined; number = pending.shift()) await sendOne(number);
  };
  await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, pending.length) }, worker));
}
