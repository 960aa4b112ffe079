import type { CreateUploadData, GetUploadResponse } from '../../api/types.gen';

/** An upload session as the server describes it: where each part goes, and which parts arrived. */
export type UploadSession = GetUploadResponse;

export type NewUploadSession = CreateUploadData['body'];

export type PartToSend = {
  url: string;
  body: Blob;
  /**
   * The URL is the API's own (same-origin, with the session cookie) rather than a presigned store
   * URL, which must go without credentials and carries the part's Content-MD5.
   */
  onTheApi: boolean;
  signal: AbortSignal;
  /** Bytes of this part sent so far. */
  onProgress: (loaded: number) => void;
};

/**
 * How the upload queue reaches the server and the store. A failure is an `ApiError` (status 0 when
 * nothing answered); a call stopped through its `signal` rejects with an `AbortError`.
 */
export interface UploadTransport {
  createSession(session: NewUploadSession): Promise<UploadSession>;
  /** The session with fresh part URLs and the parts that arrived so far. */
  getSession(id: string): Promise<UploadSession>;
  completeSession(id: string): Promise<void>;
  abortSession(id: string): Promise<void>;
  sendPart(part: PartToSend): Promise<void>;
  /** Calls `listener` each time the connection comes back; answers a function that stops that. */
  onReconnect(listener: () => void): () => void;
}
