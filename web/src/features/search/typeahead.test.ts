import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { Typeahead, type TypeaheadState } from './typeahead';

/** A server whose answers the test releases one by one, remembering what it was asked. */
function fakeServer() {
  const asked: {
    query: string;
    signal: AbortSignal;
    answer: (results: string[]) => void;
    fail: () => void;
  }[] = [];
  const fetch = (query: string, signal: AbortSignal) =>
    new Promise<string[]>((resolve, reject) => {
      asked.push({ query, signal, answer: resolve, fail: () => reject(new Error('down')) });
    });
  return { asked, fetch };
}

function setUp() {
  const server = fakeServer();
  const states: TypeaheadState<string[]>[] = [];
  const box = new Typeahead({ delayMs: 200, fetch: server.fetch, onChange: (state) => states.push(state) });
  return { server, states, box };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('results as you type', () => {
  test('asks once typing pauses, for the last text typed', async () => {
    const { server, box } = setUp();
    box.type('r');
    await vi.advanceTimersByTimeAsync(100);
    box.type('re');
    await vi.advanceTimersByTimeAsync(100);
    box.type('rep');
    await vi.advanceTimersByTimeAsync(199);
    expect(server.asked).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.asked.map((call) => call.query)).toEqual(['rep']);

    server.asked[0]?.answer(['report.pdf']);
    await vi.advanceTimersByTimeAsync(0);
    expect(box.current).toEqual({ status: 'done', query: 'rep', results: ['report.pdf'] });
  });

  test('a new query aborts the one in flight, whose late answer is dropped', async () => {
    const { server, states, box } = setUp();
    box.type('rep');
    await vi.advanceTimersByTimeAsync(200);
    box.type('repo');
    expect(server.asked[0]?.signal.aborted).toBe(true);
    server.asked[0]?.answer(['stale']);
    await vi.advanceTimersByTimeAsync(200);
    server.asked[1]?.answer(['report.pdf']);
    await vi.advanceTimersByTimeAsync(0);

    expect(server.asked.map((call) => [call.query, call.signal.aborted])).toEqual([
      ['rep', true],
      ['repo', false],
    ]);
    expect(states.some((state) => state.status === 'done' && state.results[0] === 'stale')).toBe(false);
    expect(box.current).toEqual({ status: 'done', query: 'repo', results: ['report.pdf'] });
  });

  test('keeps showing the last results while the next query loads', async () => {
    const { server, box } = setUp();
    box.type('rep');
    await vi.advanceTimersByTimeAsync(200);
    server.asked[0]?.answer(['report.pdf']);
    await vi.advanceTimersByTimeAsync(0);
    box.type('repx');
    expect(box.current).toEqual({ status: 'loading', query: 'repx', results: ['report.pdf'] });
  });

  test('an empty box asks nothing and stops what was pending', async () => {
    const { server, box } = setUp();
    box.type('rep');
    box.type('   ');
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.asked).toEqual([]);
    expect(box.current).toEqual({ status: 'idle', query: '' });
  });

  test('spaces around the text are not a new query', async () => {
    const { server, box } = setUp();
    box.type('rep');
    await vi.advanceTimersByTimeAsync(200);
    box.type('rep ');
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.asked.map((call) => [call.query, call.signal.aborted])).toEqual([['rep', false]]);
  });

  test('a failure is shown, and typing the same text again retries', async () => {
    const { server, box } = setUp();
    box.type('rep');
    await vi.advanceTimersByTimeAsync(200);
    server.asked[0]?.fail();
    await vi.advanceTimersByTimeAsync(0);
    expect(box.current.status).toBe('error');
    box.type('rep');
    await vi.advanceTimersByTimeAsync(200);
    expect(server.asked.map((call) => call.query)).toEqual(['rep', 'rep']);
  });

  test('dispose aborts what is in flight and cancels what is waiting', async () => {
    const { server, box } = setUp();
    box.type('rep');
    await vi.advanceTimersByTimeAsync(200);
    box.dispose();
    expect(server.asked[0]?.signal.aborted).toBe(true);
    box.type('repo');
    box.dispose();
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.asked).toHaveLength(1);
  });
});
