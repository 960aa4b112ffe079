import { randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareLinks } from '../src/features/shares/shares.table.ts';
import { type Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { tempDir } from './services.ts';
import { unzipped } from './unzip.ts';

/** The headers a download sends that the owner's and a link's must agree on. */
const DOWNLOAD_HEADERS = [
  'content-type',
  'content-length',
  'content-disposition',
  'x-content-type-options',
  'content-security-policy',
  'etag',
  'last-modified',
  'accept-ranges',
  'cache-control',
];

describe.each(driverSets())('what a link hands out (%s)', (set) => {
  let server: TestServer;
  let scratch: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    server = await startServer(set);
    scratch = await tempDir();
  });
  afterAll(async () => {
    await server.close();
    await scratch.remove();
  });

  /** A request through a link, by someone with no account. */
  const visit = (token: string, path: string, init: RequestInit = {}) =>
    fetch(`${server.origin}/api/v1/public/${token}${path}`, init);
  const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());

  async function link(api: Api, nodeId: string, settings: Record<string, unknown> = {}) {
    return api.expect(201, 'POST', '/shares', { json: { nodeId, kind: 'link', ...settings } });
  }

  async function downloadUnits(shareId: string): Promise<number> {
    const [row] = await server.deps.database.db
      .select({ units: shareLinks.downloadUnits })
      .from(shareLinks)
      .where(eq(shareLinks.id, shareId));
    return row?.units ?? -1;
  }

  /** Trip/{a.txt, Day1/b.txt, Old (trashed)/c.txt} beside Sibling/s.txt, in a new account. */
  async function trip() {
    const { api } = await signUp(server, uniqueName());
    const folder = (parentId: string, name: string) =>
      api.expect(201, 'POST', '/folders', { json: { parentId, name } });
    const put = async (parentId: string, name: string, body: Buffer<ArrayBuffer>) =>
      (await api.upload(parentId, name, body)).json();
    const tripFolder = await folder('root', 'Trip');
    const day1 = await folder(tripFolder.id, 'Day1');
    const old = await folder(tripFolder.id, 'Old');
    const sibling = await folder('root', 'Sibling');
    const bodies = { a: randomBytes(3000), b: randomBytes(5000), c: randomBytes(10), s: randomBytes(10) };
    const a = await put(tripFolder.id, 'a.txt', bodies.a);
    const b = await put(day1.id, 'b.txt', bodies.b);
    const c = await put(old.id, 'c.txt', bodies.c);
    const s = await put(sibling.id, 's.txt', bodies.s);
    await api.expect(204, 'DELETE', `/nodes/${old.id}`);
    const share = await link(api, tripFolder.id);
    const root = (await api.expect(200, 'GET', '/folders/root')).folder;
    return { api, share, root, trip: tripFolder, day1, old, sibling, a, b, c, s, bodies };
  }

  it('answers a shared file byte for byte with the owner’s headers, Range and If-Range included', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(200_000);
    const file = await (await api.upload('root', 'report final.pdf', data)).json();
    const share = await link(api, file.id);
    const owner = await api.request('GET', `/files/${file.id}/content`);
    const anyone = await visit(share.token, '/content');
    expect(anyone.status).toBe(200);
    expect((await bytesOf(anyone)).equals(data)).toBe(true);
    await owner.arrayBuffer();
    for (const header of DOWNLOAD_HEADERS)
      expect(anyone.headers.get(header), header).toBe(owner.headers.get(header));
    expect(anyone.headers.get('content-disposition')).toContain('attachment');
    const etag = anyone.headers.get('etag') ?? '';

    const range = await visit(share.token, '/content', { headers: { range: 'bytes=100-199' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe('bytes 100-199/200000');
    expect((await bytesOf(range)).equals(data.subarray(100, 200))).toBe(true);
    const ifRange = await visit(share.token, '/content', {
      headers: { range: 'bytes=0-99', 'if-range': etag },
    });
    expect(ifRange.status).toBe(206);
    expect((await bytesOf(ifRange)).equals(data.subarray(0, 100))).toBe(true);
    const stale = await visit(share.token, '/content', {
      headers: { range: 'bytes=0-99', 'if-range': '"something else"' },
    });
    expect(stale.status).toBe(200);
    expect((await bytesOf(stale)).equals(data)).toBe(true);

    // Neither a HEAD nor a 304 costs anything; the two ranges cost their bytes' share.
    const head = await visit(share.token, '/content', { method: 'HEAD' });
    const ownersHead = await api.request('HEAD', `/files/${file.id}/content`);
    expect(head.status).toBe(200);
    for (const header of DOWNLOAD_HEADERS)
      expect(head.headers.get(header), header).toBe(ownersHead.headers.get(header));
    const notModified = await visit(share.token, '/content', { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    expect(await downloadUnits(share.id)).toBe(2_000_000 + 500 + 500);
    expect((await api.expect(200, 'GET', `/shares/${share.id}`)).downloads).toBe(2);
  });

  it('lists a shared folder like the owner’s listing, with breadcrumbs from it, its files and zips', async () => {
    const t = await trip();
    const response = await visit(t.share.token, '/folders/root');
    expect(response.status).toBe(200);
    const text = await response.text();
    const listing = JSON.parse(text);
    expect(listing.folder).toMatchObject({ id: t.trip.id, name: 'Trip', parentId: null });
    expect(listing.path).toEqual([{ id: t.trip.id, name: 'Trip' }]);
    const owners = await t.api.expect(200, 'GET', `/folders/${t.trip.id}`);
    expect(listing.items).toEqual(owners.children);
    expect(listing.items.map((node: { name: string }) => node.name)).toEqual(['Day1', 'a.txt']);
    // Nothing above the shared folder: not the owner's root, not where the folder sits.
    expect(text).not.toContain(t.root.id);

    const first = await (await visit(t.share.token, '/folders/root?limit=1&sort=name&order=desc')).json();
    expect(first.items.map((node: { name: string }) => node.name)).toEqual(['Day1']);
    const second = await (
      await visit(t.share.token, `/folders/root?limit=1&sort=name&order=desc&cursor=${first.nextCursor}`)
    ).json();
    expect(second.items.map((node: { name: string }) => node.name)).toEqual(['a.txt']);
    expect(second.nextCursor).toBeNull();

    const nested = await (await visit(t.share.token, `/folders/${t.day1.id}`)).json();
    expect(nested.folder).toMatchObject({ id: t.day1.id, parentId: t.trip.id });
    expect(nested.path).toEqual([
      { id: t.trip.id, name: 'Trip' },
      { id: t.day1.id, name: 'Day1' },
    ]);
    expect(nested.items.map((node: { name: string }) => node.name)).toEqual(['b.txt']);

    const b = await visit(t.share.token, `/files/${t.b.id}/content`);
    expect(b.status).toBe(200);
    expect((await bytesOf(b)).equals(t.bodies.b)).toBe(true);

    const whole = await visit(t.share.token, '/zip');
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-disposition')).toContain("filename*=UTF-8''Trip.zip");
    const contents = await unzipped(scratch.path, await bytesOf(whole));
    expect([...contents.keys()].sort()).toEqual(['Trip/', 'Trip/Day1/', 'Trip/Day1/b.txt', 'Trip/a.txt']);
    expect(contents.get('Trip/a.txt')?.equals(t.bodies.a)).toBe(true);
    const some = await visit(t.share.token, `/zip?ids=${t.day1.id}&ids=${t.a.id}`);
    const picked = await unzipped(scratch.path, await bytesOf(some));
    expect([...picked.keys()].sort()).toEqual(['Day1/', 'Day1/b.txt', 'a.txt']);
    expect(picked.get('Day1/b.txt')?.equals(t.bodies.b)).toBe(true);

    // The owner's log says what was fetched, newest first. A download is logged once it ended, so
    // it may land after the zip that the client asked for next: the listings come first, in order.
    const entries = async () => {
      const log = await t.api.expect(200, 'GET', `/shares/${t.share.id}/events`);
      return log.items.map((event: { action: string; name: string | null; bytes: number | null }) => [
        event.action,
        event.name,
        event.bytes,
      ]);
    };
    // A loaded machine (the fault suite runs beside this one) can take more than poll's default
    // second to write the last of them; one never written still fails here.
    await expect.poll(async () => (await entries()).length, { timeout: 10_000 }).toBe(7);
    const log = await entries();
    expect(log.slice(3)).toEqual([
      ['view', 'Day1', null],
      ['view', 'Trip', null],
      ['view', 'Trip', null],
      ['view', 'Trip', null],
    ]);
    expect(log.slice(0, 3).map(String).sort()).toEqual(
      [
        ['zip', null, null],
        ['zip', 'Trip', null],
        ['download', 'b.txt', 5000],
      ]
        .map(String)
        .sort(),
    );

    // Page by page, the same events in the same order; a cursor it did not give out is refused.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await t.api.expect(200, 'GET', `/shares/${t.share.id}/events?limit=3${query}`);
      paged.push(...page.items.map((event: object) => JSON.stringify(event)));
      cursor = page.nextCursor;
    } while (cursor !== null);
    const unpaged = await t.api.expect(200, 'GET', `/shares/${t.share.id}/events`);
    expect(paged).toHaveLength(7);
    expect(paged).toEqual(unpaged.items.map((event: object) => JSON.stringify(event)));
    for (const junk of ['7', 'WzAsMV0', 'bm90IGpzb24'])
      expect((await t.api.expect(400, 'GET', `/shares/${t.share.id}/events?cursor=${junk}`)).error.code).toBe(
        'invalid_cursor',
      );
  });

  it('reaches nothing outside the shared tree, nor what is in the trash inside it, and a drop reads nothing', async () => {
    const t = await trip();
    const other = await signUp(server, uniqueName());
    const theirs = await (await other.api.upload('root', 'theirs.txt', 'not yours')).json();
    const unknown = randomUUID();
    const outside = [t.sibling.id, t.s.id, t.root.id, t.old.id, t.c.id, theirs.id];
    for (const route of [
      (id: string) => `/folders/${id}`,
      (id: string) => `/files/${id}/content`,
      (id: string) => `/zip?ids=${id}`,
    ]) {
      const missing = await visit(t.share.token, route(unknown));
      expect(missing.status).toBe(404);
      const body = await missing.text();
      for (const id of outside) {
        const response = await visit(t.share.token, route(id));
        expect(response.status, route(id)).toBe(404);
        expect(await response.text(), route(id)).toBe(body);
      }
    }
    // A link to a folder has no `content`; a link to a file has no folder.
    expect((await visit(t.share.token, '/content')).status).toBe(404);
    const fileLink = await link(t.api, t.a.id);
    expect((await visit(fileLink.token, '/folders/root')).status).toBe(404);
    expect((await visit(fileLink.token, `/files/${t.b.id}/content`)).status).toBe(404);

    const drop = await t.api.expect(201, 'POST', '/shares', { json: { nodeId: t.trip.id, kind: 'drop' } });
    for (const path of [
      '/folders/root',
      `/folders/${t.day1.id}`,
      `/files/${t.a.id}/content`,
      '/zip',
      '/content',
    ])
      expect((await visit(drop.token, path)).status, path).toBe(404);
  });

  it('dies while its folder is in the trash and lives again when it is restored', async () => {
    const t = await trip();
    const unknown = await (await visit('no-such-token', '/folders/root')).text();
    await t.api.expect(204, 'DELETE', `/nodes/${t.trip.id}`);
    for (const path of ['/folders/root', `/files/${t.a.id}/content`, '/zip']) {
      const response = await visit(t.share.token, path);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toBe(unknown);
    }
    await t.api.expect(200, 'POST', `/nodes/${t.trip.id}/restore`);
    expect((await visit(t.share.token, '/folders/root')).status).toBe(200);
    expect((await bytesOf(await visit(t.share.token, `/files/${t.a.id}/content`))).equals(t.bodies.a)).toBe(
      true,
    );
  });

  it('locks every content route of a link with a password until it is unlocked, by cookie or header', async () => {
    const { api } = await signUp(server, uniqueName());
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Secret' } });
    const file = await (await api.upload(folder.id, 'plan.txt', 'the plan')).json();
    const folderLink = await link(api, folder.id, { password: 'open sesame' });
    const fileLink = await link(api, file.id, { password: 'open sesame' });
    const routes: [string, string][] = [
      [fileLink.token, '/content'],
      [folderLink.token, '/folders/root'],
      [folderLink.token, `/files/${file.id}/content`],
      [folderLink.token, '/zip'],
    ];
    const unlock = async (token: string) => {
      const response = await visit(token, '/unlock', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: 'open sesame' }),
      });
      const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      return { cookie, access: (await response.json()).access as string };
    };
    for (const [token, path] of routes) {
      const locked = await visit(token, path);
      expect(locked.status, path).toBe(401);
      expect((await locked.json()).error.code).toBe('share_locked');
    }
    const grants = new Map([
      [fileLink.token, await unlock(fileLink.token)],
      [folderLink.token, await unlock(folderLink.token)],
    ]);
    for (const [token, path] of routes) {
      const grant = grants.get(token);
      const byCookie = await visit(token, path, { headers: { cookie: grant?.cookie ?? '' } });
      expect(byCookie.status, path).toBe(200);
      await byCookie.arrayBuffer();
      const byHeader = await visit(token, path, { headers: { 'x-share-access': grant?.access ?? '' } });
      expect(byHeader.status, path).toBe(200);
      await byHeader.arrayBuffer();
    }
    // One link's grant is no grant for another.
    const crossed = await visit(fileLink.token, '/content', {
      headers: { 'x-share-access': grants.get(folderLink.token)?.access ?? '' },
    });
    expect(crossed.status).toBe(401);
  });

  it('answers an expired or a revoked link exactly like an unknown token', async () => {
    const { api } = await signUp(server, uniqueName());
    const file = await (await api.upload('root', 'soon.txt', 'gone soon')).json();
    const expiring = await link(api, file.id, {
      expiresAt: new Date(server.clock.now().getTime() + 3_600_000).toISOString(),
    });
    const revoked = await link(api, file.id);
    expect((await visit(expiring.token, '/content')).status).toBe(200);
    expect((await visit(revoked.token, '/content')).status).toBe(200);
    const unknown = await visit('no-such-token', '/content');
    const unknownBody = await unknown.text();
    await api.expect(204, 'DELETE', `/shares/${revoked.id}`);
    server.clock.advance(2 * 3_600_000);
    try {
      for (const token of [expiring.token, revoked.token]) {
        const response = await visit(token, '/content');
        expect(response.status).toBe(404);
        expect(await response.text()).toBe(unknownBody);
      }
    } finally {
      server.clock.advance(-2 * 3_600_000);
    }
  });

  it('gives exactly maxDownloads whole downloads, then is spent', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(10_000);
    const file = await (await api.upload('root', 'three.bin', data)).json();
    const share = await link(api, file.id, { maxDownloads: 3 });
    for (let n = 0; n < 3; n++) {
      const response = await visit(share.token, '/content');
      expect(response.status).toBe(200);
      expect((await bytesOf(response)).equals(data)).toBe(true);
    }
    const spent = await visit(share.token, '/content');
    expect(spent.status).toBe(404);
    expect(await spent.text()).toBe(await (await visit('no-such-token', '/content')).text());
    expect(await api.expect(200, 'GET', `/shares/${share.id}`)).toMatchObject({
      downloads: 3,
      status: 'exhausted',
    });
  });

  it('counts a download cut off halfway and resumed with Range once', async () => {
    const { api } = await signUp(server, uniqueName());
    const size = 32 * 1024 * 1024;
    const data = randomBytes(size);
    const file = await (await api.upload('root', 'big.bin', data)).json();
    const share = await link(api, file.id);

    const abort = new AbortController();
    const cut = await visit(share.token, '/content', { signal: abort.signal });
    const reader = (cut.body as ReadableStream<Uint8Array>).getReader();
    const received: Buffer[] = [];
    let got = 0;
    while (got < size / 4) {
      const { value } = await reader.read();
      if (value === undefined) break;
      received.push(Buffer.from(value));
      got += value.length;
    }
    abort.abort();
    await reader.cancel().catch(() => {});
    expect(got).toBeLessThan(size);

    const rest = await visit(share.token, '/content', { headers: { range: `bytes=${got}-` } });
    expect(rest.status).toBe(206);
    expect(Buffer.concat([...received, await bytesOf(rest)]).equals(data)).toBe(true);
    // What the cut-off answer did not send was given back: without that, the two would cost 1.75.
    await expect.poll(() => downloadUnits(share.id)).toBeLessThan(1_500_000);
    expect(await downloadUnits(share.id)).toBeGreaterThanOrEqual(1_000_000);
    expect((await api.expect(200, 'GET', `/shares/${share.id}`)).downloads).toBe(1);
  });
});
