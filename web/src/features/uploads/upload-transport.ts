import type { CreateUploadData, GetUploadResponse } from '../../api/types.gen';

/**
 * An upload session as the server describes it: where each part goes, and which parts arrived.
 * The owner's sessions and a drop's both answer this much; a drop's has no encoding (it stores
 * what it is sent).
 */
export type UploadSession = Pick<
  GetUploadResponse,
  'id' | 'status' | 'storedSize' | 'partSize' | 'parts' | 'uploadedParts' | 'partsNeedCredentials'
> &
  Partial<Pick<GetUploadResponse, 'encoding'>>;

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

/** A small file sent in one request, with no session. */
export type WholeFile = {
  name: string;
  body: Blob;
  signal: AbortSignal;
  /** Bytes sent so far. */
  onProgress: (loaded: number) => void;
};

/**
 * How the upload queue reaches the server and the store. A failure is an `ApiError` (status 0 when
 * nothing answered); a call stopped through its `signal` rejects with an `AbortError`.
 */
export interface UploadTransport {
  /** Whether a file may be sent gzipped: the owner's sessions record it; a drop stores what it is sent. */
  readonly compresses: boolean;
  /**
   * Where the transport has it (a drop does): files of up to `maxBytes` go in one request, with no
   * session to make and complete. Without it, every file goes in a session.
   */
  readonly whole?: { maxBytes: number; send(file: WholeFile): Promise<void> };
  createSession(session: NewUploadSession): Promise<UploadSession>;
  /** The session with fresh part URLs and the parts that arrived so far. */
  getSession(id: string): Promise<UploadSession>;
  completeSession(id: string): Promise<void>;
  abortSession(id: string): Promise<void>;
  sendPart(part: PartToSend): Promise<void>;
  /** Calls `listener` each time the connection comes back; answers a function that stops that. */
  onReconnect(listener: () => void): () => void;
}
