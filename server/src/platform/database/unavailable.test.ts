import net from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database.ts';

/** The error a real pool gives when it can't get a connection from `port` in time, or at all. */
async function poolError(port: number): Promise<unknown> {
  const pool = new pg.Pool({ host: '127.0.0.1', port, connectionTimeoutMillis: 200, max: 1 });
  try {
    await pool.query('select 1');
  } catch (error) {
    return error;
  } finally {
    await pool.end().catch(() => {});
  }
  throw new Error('the query was answered');
}

describe('isDatabaseUnavailable', () => {
  it('says so of a server that accepts connections and never answers, and of one that is not there', async () => {
    // Accepts, then says nothing: the pool gives up after its connection timeout.
    const held = new Set<net.Socket>();
    const silent = net.createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const timedOut = await poolError(port);
    expect(String(timedOut)).toContain('timeout');
    expect(isDatabaseUnavailable(timedOut)).toBe(true);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));

    const refused = await poolError(port);
    expect(isDatabaseUnavailable(refused)).toBe(true);
  });

  it('does not say so of a query the database refused, or of a bug', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('undefined is not a function'))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('shutting down'), { code: '57P01' }))).toBe(true);
  });
});
