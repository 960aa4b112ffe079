import { createHash } from 'node:crypto';
import type { Api } from './client.ts';

export interface Session {
  id: string;
  partSize: number;
  partCount: number;
  partsNeedCredentials: boolean;
  parts: { number: number; size: number; url: string }[];
  uploadedParts: { number: number; size: number }[];
  status: string;
}

/** MD5 in base64, as Content-MD5 carries it. */
export const contentMd5 = (data: Uint8Array) => createHash('md5').update(data).digest('base64');

export const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The bytes of part `number` of `data` under the session's layout. */
export function partOf(session: Session, data: Buffer, number: number): Buffer {
  return data.subarray((number - 1) * session.partSize, Math.min(number * session.partSize, data.length));
}

/**
 * Sends one part as a client would: to the URL the session gave, with the user's token only when
 * the URL is the API's, and with its Content-MD5 (or a given one, to send a lie).
 */
export async function sendPart(
  api: Api,
  session: Session,
  number: number,
  body: Buffer,
  md5 = contentMd5(body),
) {
  const headers: Record<string, string> = { 'content-md5': md5 };
  if (session.partsNeedCredentials) headers.authorization = `Bearer ${api.token}`;
  return sendPartWith(session, number, body, headers);
}

/** Sends one part with these headers only: no account, as whoever holds a drop link would. */
export async function sendPartWith(
  session: Session,
  number: number,
  body: Buffer,
  headers: Record<string, string> = { 'content-md5': contentMd5(body) },
) {
  const part = session.parts.find((p) => p.number === number);
  if (part === undefined) throw new Error(`the session has no part ${number}`);
  return fetch(part.url, { method: 'PUT', body: new Uint8Array(body), headers });
}

export async function startUpload(api: Api, body: Record<string, unknown>): Promise<Session> {
  return api.expect(201, 'POST', '/uploads', { json: { parentId: 'root', ...body } });
}

/** Uploads every part (in the given order, `parallel` at a time) and completes. */
export async function uploadAll(api: Api, session: Session, data: Buffer, order?: number[], parallel = 1) {
  const queue = [...(order ?? session.parts.map((p) => p.number))];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let number = queue.shift(); number !== undefined; number = queue.shift()) {
        const response = await sendPart(api, session, number, partOf(session, data, number));
        if (!response.ok) throw new Error(`part ${number}: ${response.status} ${await response.text()}`);
      }
    }),
  );
}
