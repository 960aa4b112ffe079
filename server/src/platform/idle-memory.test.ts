import { once } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type IdleRelease, releaseMemoryWhenIdle } from './idle-memory.ts';

const IDLE_MS = 200;
/** Long enough past IDLE_MS for a timer to have fired on a loaded machine. */
const WELL_PAST = IDLE_MS * 3;

const opened: { server: http.Server; idle: IdleRelease }[] = [];

afterEach(async () => {
  for (const { server, idle } of opened.splice(0)) {
    idle.stop();
    server.closeAllConnections();
    server.close();
  }
});

/** A real HTTP server whose requests stay open until `finish` ends them, watched for idleness. */
async function serve() {
  const waiting: ServerResponse[] = [];
  const server = http.createServer((_request, response) => {
    waiting.push(response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let calls = 0;
  const idle = releaseMemoryWhenIdle(server, {
    idleMs: IDLE_MS,
    release: async () => {
      calls++;
    },
  });
  opened.push({ server, idle });
  /** Sends a request; resolves once the server has it open, with the promise of its answer. */
  const request = async () => {
    const before = waiting.length;
    const answered = fetch(origin).then((response) => response.text());
    while (waiting.length === before) await sleep(5);
    return { answered };
  };
  /** Answers the open requests, or only the first `count` of them. */
  const finish = (count = waiting.length) => {
    for (const response of waiting.splice(0, count)) response.end('done');
  };
  return { idle, request, finish, calls: () => calls };
}

describe('idle memory release', () => {
  it('releases once after the start, and not again until a request has come', async () => {
    const server = await serve();
    await sleep(WELL_PAST);
    expect(server.calls()).toBe(1);
    await sleep(WELL_PAST);
    expect(server.calls()).toBe(1);
    expect(server.idle.releases()).toBe(1);
  });

  it('waits while any request is open, however long, and releases once all have been answered', async () => {
    const server = await serve();
    await sleep(WELL_PAST);
    const first = await server.request();
    const second = await server.request();
    await sleep(WELL_PAST);
    expect(server.calls()).toBe(1); // the open requests hold the release back
    server.finish(1);
    expect(await first.answered).toBe('done');
    await sleep(WELL_PAST);
    expect(server.calls()).toBe(1); // the second is still open
    server.finish();
    expect(await second.answered).toBe('done');
    await sleep(WELL_PAST);
    expect(server.calls()).toBe(2);
  });

  it('counts idleness from the last answer: requests that keep coming hold it back', async () => {
    const server = await serve();
    await sleep(WELL_PAST);
    for (let i = 0; i < 6; i++) {
      const { answered } = await server.request();
      server.finish();
      await answered;
      await sleep(IDLE_MS / 10);
    }
    expect(server.calls()).toBe(1);
    await sleep(WELL_PAST);
    expect(server.calls()).toBe(2);
  });

  it('goes on after a release that failed, and tries again after the next idle period', async () => {
    const server = http.createServer((_request, response) => response.end('done'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const failures: unknown[] = [];
    let attempts = 0;
    const idle = releaseMemoryWhenIdle(server, {
      idleMs: IDLE_MS,
      release: async () => {
        attempts++;
        if (attempts === 1) throw new Error('no collection this time');
      },
      onFailed: (error) => failures.push(error),
    });
    opened.push({ server, idle });
    await sleep(WELL_PAST);
    expect(failures).toHaveLength(1);
    expect(idle.releases()).toBe(0);
    expect(await (await fetch(origin)).text()).toBe('done');
    await sleep(WELL_PAST);
    expect(attempts).toBe(2);
    expect(idle.releases()).toBe(1);
  });

  it('stops releasing once stopped', async () => {
    const server = await serve();
    server.idle.stop();
    await sleep(WELL_PAST);
    expect(server.calls()).toBe(0);
  });
});
