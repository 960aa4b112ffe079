import net from 'node:net';
import { connectPair } from '../services.ts';

/** Where a cut falls on the connection that sent the marked statement. */
export type CutPoint =
  /** The marked statement never reaches PostgreSQL: the transaction dies before its COMMIT. */
  | 'at-marker'
  /** Its transaction's COMMIT reaches PostgreSQL, which commits; the answer never comes back. */
  | 'at-commit-answer';

export interface PostgresCutter {
  port: number;
  /**
   * Cuts, once, the connection that next sends a statement (or a parameter of one) containing
   * `marker`, at `point`. Resolves once it has cut; rejects if no connection sent it in time.
   */
  arm(marker: string, point: CutPoint): Promise<void>;
  close(): Promise<void>;
}

/** How long an armed cut waits for its marker before it gives up (the test then fails). */
const ARMED_MS = 10_000;

/** SSLRequest and GSSENCRequest: answered by one byte, then the real startup message follows. */
const ENCRYPTION_REQUESTS = new Set([80877103, 80877104]);

/**
 * Splits what a PostgreSQL client sends into its messages (the untyped startup ones first, then
 * type byte and length), so that a cut can fall between two of them.
 */
function messageSplitter(onMessage: (type: string, message: Buffer) => void) {
  let pending: Buffer = Buffer.alloc(0);
  let started = false;
  return (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const header = started ? 5 : 8;
      if (pending.length < header) return;
      const length = started ? 1 + pending.readInt32BE(1) : pending.readInt32BE(0);
      if (pending.length < length) return;
      const message = pending.subarray(0, length);
      pending = pending.subarray(length);
      const typed = started;
      if (!typed && !ENCRYPTION_REQUESTS.has(message.readInt32BE(4))) started = true;
      onMessage(typed ? String.fromCharCode(message[0] ?? 0) : '', message);
    }
  };
}

/** The text of a simple query ('Q'), without its terminating zero byte. */
function simpleQuery(type: string, message: Buffer): string | undefined {
  return type === 'Q' ? message.subarray(5, message.length - 1).toString() : undefined;
}

/**
 * A proxy in front of PostgreSQL that cuts one chosen connection at a chosen message of the wire
 * protocol, as a database that goes away at that moment would: the client sees its connection
 * end, and nothing else it sends arrives.
 */
export async function startPostgresCutter(targetHost: string, targetPort: number): Promise<PostgresCutter> {
  let armed: { marker: Buffer; point: CutPoint; cut: () => void } | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = connectPair(client, targetHost, targetPort, sockets);
    const cut = (done: () => void) => {
      client.destroy();
      upstream.destroy();
      done();
    };
    // Set once this connection sent the marker: its COMMIT is the one whose answer goes missing.
    let marked: (() => void) | undefined;
    let dropAnswer: (() => void) | undefined;
    const split = messageSplitter((type, message) => {
      if (client.destroyed) return;
      if (armed !== undefined && type !== '' && message.includes(armed.marker)) {
        const { point, cut: done } = armed;
        armed = undefined;
        if (point === 'at-marker') {
          cut(done);
          return;
        }
        marked = done;
      }
      if (marked !== undefined && simpleQuery(type, message)?.trim().toLowerCase() === 'commit') {
        dropAnswer = marked;
        marked = undefined;
      }
      upstream.write(message);
    });
    client.on('data', split);
    upstream.on('data', (chunk: Buffer) => {
      // The first bytes after the COMMIT are its answer: PostgreSQL has committed by then.
      if (dropAnswer !== undefined) cut(dropAnswer);
      else client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    arm(marker, point) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          armed = undefined;
          reject(new Error(`no connection sent "${marker}" within ${ARMED_MS} ms`));
        }, ARMED_MS);
        armed = {
          marker: Buffer.from(marker),
          point,
          cut: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
