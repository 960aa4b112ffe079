import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultyProxy {
  /** http://127.0.0.1:<port>: use it in place of the target's origin. */
  origin: string;
  /** The share of requests (0 to 1) answered with a 500 or a 503 instead of being passed on. */
  failRate: number;
  /** Requests passed on and requests failed, since the start. */
  counts: { passed: number; failed: number };
  close(): Promise<void>;
}

const ERROR_BODY = (code: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`;

/**
 * An HTTP proxy in front of `target` (an S3 server) that fails a random share of the requests the
 * way a struggling store does: 500 InternalError or 503 SlowDown, before the request reaches it.
 * Everything else is passed on unchanged, the Host header included, so that signed and presigned
 * requests still verify behind it.
 */
export async function startFaultyProxy(
  target: string,
  chance: () => number = Math.random,
): Promise<FaultyProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const counts = { passed: 0, failed: 0 };
  const proxy: Pick<FaultyProxy, 'failRate'> = { failRate: 0 };
  const server = http.createServer((request, response) => {
    if (chance() < proxy.failRate) {
      counts.failed += 1;
      const busy = chance() < 0.5;
      const body = ERROR_BODY(busy ? 'SlowDown' : 'InternalError');
      // The request's body is not read: the connection closes after the answer.
      response.writeHead(busy ? 503 : 500, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      });
      response.end(body, () => request.socket.destroy());
      return;
    }
    counts.passed += 1;
    const forwarded = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
        answer.on('error', () => response.destroy());
      },
    );
    forwarded.on('error', () => {
      if (!response.headersSent) response.writeHead(502).end();
      else response.destroy();
    });
    request.pipe(forwarded);
    request.on('error', () => forwarded.destroy());
    response.on('close', () => {
      if (!response.writableFinished) forwarded.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(proxy, {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  });
}
