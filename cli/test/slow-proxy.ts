import net from 'node:net';
import { Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectPair } from '../../server/test/services.ts';

/**
 * A TCP proxy in front of a server that carries at most `bytesPerSecond` each way per connection,
 * so that a test can stop a transfer in its middle.
 */
export async function startSlowProxy(target: string, bytesPerSecond: number) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const throttle = () =>
    new Transform({
      async transform(chunk: Buffer, _encoding, done) {
        await sleep((chunk.length / bytesPerSecond) * 1000);
        done(null, chunk);
      },
    });
  const server = net.createServer((client) => {
    const upstream = connectPair(client, hostname, Number(port), sockets);
    client.pipe(throttle()).pipe(upstream).pipe(throttle()).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
