import type { GetUploadResponse } from '../../api/types.gen';
import { ApiError } from '../../app/api-client';
import { abortError } from './clock';
import type {
  NewUploadSession,
  PartToSend,
  UploadSession,
  UploadTransport,
  WholeFile,
} from './upload-transport';

const PART_SIZE = 4;

type StoredSession = {
  id: string;
  request: NewUploadSession;
  status: UploadSession['status'];
  arrived: Set<number>;
  /** Bumped each time the session is read, as the server hands out fresh part URLs then. */
  urlVersion: number;
};

export type PartInFlight = PartToSend & {
  sessionId: string;
  number: number;
  /** The store took the part. */
  arrive: () => void;
  /** The part was refused with this status (0: the connection broke). */
  fail: (status: number) => void;
};

/**
 * The server and the store as the upload queue sees them: sessions in a map, and every part held
 * in flight until the test lets it arrive or fail.
 */
export class FakeTransport implements UploadTransport {
  sessions = new Map<string, StoredSession>();
  inFlight: PartInFlight[] = [];
  calls: string[] = [];
  reconnectListeners = new Set<() => void>();
  private nextId = 1;
  compresses = true;
  whole?: { maxBytes: number; send: (file: WholeFile) => Promise<void> };
  /** The files that went whole. */
  sentWhole: WholeFile[] = [];

  /** From now on, files up to `maxBytes` go whole (as a drop's do), and arrive at once. */
  takeWholeFiles(maxBytes: number) {
    this.whole = {
      maxBytes,
      send: async (file) => {
        this.calls.push(`whole ${file.name}`);
        file.onProgress(file.body.size);
        this.sentWhole.push(file);
      },
    };
  }

  /** While set, a new session is made only once it resolves (the answer is slow to come). */
  creating: Promise<void> | undefined;

  createSession = async (request: NewUploadSession) => {
    const id = `s${this.nextId++}`;
    this.calls.push(`create ${request.name}`);
    this.sessions.set(id, { id, request, status: 'open', arrived: new Set(), urlVersion: 1 });
    await this.creating;
    return this.describe(id);
  };

  getSession = async (id: string) => {
    this.calls.push(`get ${id}`);
    const session = this.sessions.get(id);
    if (!session) throw new ApiError(404, 'not_found', 'No such upload.');
    session.urlVersion++;
    return this.describe(id);
  };

  completeSession = async (id: string) => {
    this.calls.push(`complete ${id}`);
    const session = this.sessions.get(id) as StoredSession;
    const partCount = Math.ceil(session.request.size / PART_SIZE);
    if (session.arrived.size !== partCount) throw new ApiError(400, 'parts_missing', 'Parts are missing.');
    session.status = 'completed';
  };

  abortSession = async (id: string) => {
    this.calls.push(`abort ${id}`);
    const session = this.sessions.get(id);
    if (session) session.status = 'aborted';
  };

  sendPart = (part: PartToSend) =>
    new Promise<void>((resolve, reject) => {
      const match = /\/(s\d+)\/parts\/(\d+)\?v=\d+$/.exec(part.url);
      if (!match) throw new Error(`not a part URL: ${part.url}`);
      const sessionId = match[1] as string;
      const number = Number(match[2]);
      const leave = () => {
        this.inFlight = this.inFlight.filter((each) => each !== inFlight);
      };
      const inFlight: PartInFlight = {
        ...part,
        sessionId,
        number,
        arrive: () => {
          leave();
          this.sessions.get(sessionId)?.arrived.add(number);
          resolve();
        },
        fail: (status) => {
          leave();
          reject(new ApiError(status, 'refused', `Refused with ${status}.`));
        },
      };
      part.signal.addEventListener('abort', () => {
        leave();
        reject(abortError());
      });
      this.inFlight.push(inFlight);
    });

  onReconnect = (listener: () => void) => {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  };

  /** A session left from before a reload, with some of its parts already in the store. */
  seed(request: NewUploadSession, arrived: number[]): string {
    const id = `s${this.nextId++}`;
    this.sessions.set(id, { id, request, status: 'open', arrived: new Set(arrived), urlVersion: 1 });
    return id;
  }

  describe(id: string): GetUploadResponse {
    const { request, status, arrived, urlVersion } = this.sessions.get(id) as StoredSession;
    const storedSize = request.storedSize ?? request.size;
    const sizeOf = (number: number) => Math.min(PART_SIZE, storedSize - (number - 1) * PART_SIZE);
    const numbers = Array.from({ length: Math.ceil(storedSize / PART_SIZE) }, (_, i) => i + 1);
    return {
      id,
      parentId: request.parentId,
      name: request.name,
      size: request.size,
      storedSize,
      encoding: request.encoding ?? 'identity',
      contentType: 'application/octet-stream',
      sha256: null,
      onConflict: 'rename',
      partSize: PART_SIZE,
      partCount: numbers.length,
      status,
      nodeId: null,
      createdAt: '2030-01-01T00:00:00.000Z',
      expiresAt: '2030-01-02T00:00:00.000Z',
      partsNeedCredentials: true,
      parts: numbers.map((number) => ({
        number,
        size: sizeOf(number),
        url: `https://api.test/${id}/parts/${number}?v=${urlVersion}`,
      })),
      uploadedParts: [...arrived].sort((a, b) => a - b).map((number) => ({ number, size: sizeOf(number) })),
    };
  }

  partsOf(name: string) {
    const ids = [...this.sessions.values()].filter((s) => s.request.name === name).map((s) => s.id);
    return this.inFlight.filter((part) => ids.includes(part.sessionId));
  }

  /** The part of that number of that file, in flight. */
  part(name: string, number: number): PartInFlight {
    const part = this.partsOf(name).find((each) => each.number === number);
    if (!part) throw new Error(`part ${number} of ${name} is not in flight`);
    return part;
  }

  reconnect() {
    for (const listener of this.reconnectListeners) listener();
  }
}

/** A file of `parts` parts whose bytes say where they are (part 3 of "a.bin" is "a03."). */
export function fileOf(name: string, parts: number) {
  const text = Array.from({ length: parts }, (_, i) => `${name[0]}${String(i + 1).padStart(2, '0')}.`).join(
    '',
  );
  return new File([text], name);
}
