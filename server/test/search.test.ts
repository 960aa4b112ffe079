import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

describe.each(driverSets())('finding files (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  const folder = (api: Api, parentId: string, name: string) =>
    api.expect(201, 'POST', '/folders', { json: { parentId, name } });
  async function file(api: Api, parentId: string, name: string, type = 'application/octet-stream') {
    const response = await api.upload(parentId, name, 'x', '', { 'content-type': type });
    expect(response.status).toBe(201);
    return response.json();
  }
  const names = (page: { items: { node: { name: string } }[] }) => page.items.map((item) => item.node.name);
  const search = (api: Api, query: string) => api.expect(200, 'GET', `/search?${query}`);

  it('matches every word anywhere in a name, ignoring case and accents, and says where each is', async () => {
    const { api } = await signUp(server, uniqueName());
    const photos = await folder(api, 'root', 'Photos');
    const trip = await folder(api, photos.id, 'Voyage');
    await file(api, trip.id, 'Été à Paris.jpg');
    await file(api, 'root', 'paris notes.txt');
    await file(api, 'root', 'London.jpg');
    const found = await search(api, `q=${encodeURIComponent('ete a paris')}`);
    expect(names(found)).toEqual(['Été à Paris.jpg']);
    expect(found.items[0].location).toEqual({
      ownerId: null,
      path: [
        { id: photos.id, name: 'Photos' },
        { id: trip.id, name: 'Voyage' },
      ],
    });
    expect(names(await search(api, 'q=PARIS')).sort()).toEqual(['paris notes.txt', 'Été à Paris.jpg'].sort());
    expect(names(await search(api, `q=${encodeURIComponent('ÉTÉ')}`))).toEqual(['Été à Paris.jpg']);
    expect(names(await search(api, 'q=paris+london'))).toEqual([]);
    expect((await search(api, 'q=paris+notes')).items[0].location).toEqual({ ownerId: null, path: [] });
  });

  it('ranks the exact name first, then names starting with the words, then the newest of the rest', async () => {
    const { api } = await signUp(server, uniqueName());
    await file(api, 'root', 'old annual report.pdf');
    await file(api, 'root', 'Report 2026.pdf');
    await file(api, 'root', 'new annual report.pdf');
    await folder(api, 'root', 'report');
    expect(names(await search(api, 'q=report'))).toEqual([
      'report',
      'Report 2026.pdf',
      'new annual report.pdf',
      'old annual report.pdf',
    ]);
  });

  it('narrows by kind, type, time and size, and takes % and _ literally', async () => {
    const { api } = await signUp(server, uniqueName());
    await folder(api, 'root', 'holiday');
    await file(api, 'root', 'holiday.jpg', 'image/jpeg');
    await file(api, 'root', 'holiday.mp4', 'video/mp4');
    await file(
      api,
      'root',
      'holiday.docx',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    await file(api, 'root', 'holiday.zip', 'application/zip');
    await file(api, 'root', '100%.txt', 'text/plain');
    await file(api, 'root', 'a_b.txt', 'text/plain');
    await file(api, 'root', 'axb.txt', 'text/plain');
    expect(names(await search(api, 'q=holiday&kind=folder'))).toEqual(['holiday']);
    expect(names(await search(api, 'q=holiday&type=image'))).toEqual(['holiday.jpg']);
    expect(names(await search(api, 'q=holiday&type=video'))).toEqual(['holiday.mp4']);
    expect(names(await search(api, 'q=holiday&type=document'))).toEqual(['holiday.docx']);
    expect(names(await search(api, 'q=holiday&type=archive'))).toEqual(['holiday.zip']);
    expect(names(await search(api, 'q=holiday&minSize=2'))).toEqual([]);
    expect(
      names(
        await search(api, `q=holiday&kind=file&modifiedAfter=${new Date(Date.now() + 60_000).toISOString()}`),
      ),
    ).toEqual([]);
    expect(names(await search(api, 'q=%25'))).toEqual(['100%.txt']);
    expect(names(await search(api, 'q=a_b'))).toEqual(['a_b.txt']);
  });

  it('never finds the trash, what is under a trashed folder, or another user’s things', async () => {
    const { api } = await signUp(server, uniqueName());
    const other = await signUp(server, uniqueName());
    const old = await folder(api, 'root', 'old stuff');
    await file(api, old.id, 'secret plan.txt');
    const gone = await file(api, 'root', 'secret gone.txt');
    await file(other.api, 'root', 'secret of bob.txt');
    await api.expect(204, 'DELETE', `/nodes/${old.id}`);
    await api.expect(204, 'DELETE', `/nodes/${gone.id}`);
    expect(names(await search(api, 'q=secret'))).toEqual([]);
    await api.expect(200, 'POST', `/nodes/${old.id}/restore`);
    expect(names(await search(api, 'q=secret'))).toEqual(['secret plan.txt']);
    expect(names(await search(other.api, 'q=secret'))).toEqual(['secret of bob.txt']);
  });

  it('finds what is shared with me, located from the shared folder', async () => {
    const owner = await signUp(server, uniqueName());
    const me = await signUp(server, uniqueName());
    const team = await folder(owner.api, 'root', 'Team');
    const docs = await folder(owner.api, team.id, 'Docs');
    await file(owner.api, docs.id, 'budget 2027.xlsx');
    await file(owner.api, 'root', 'budget private.xlsx');
    await owner.api.expect(201, 'POST', `/nodes/${team.id}/members`, {
      json: { username: me.user.username, role: 'viewer' },
    });
    const found = await search(me.api, 'q=budget');
    expect(names(found)).toEqual(['budget 2027.xlsx']);
    expect(found.items[0].location).toEqual({
      ownerId: owner.user.id,
      path: [
        { id: team.id, name: 'Team' },
        { id: docs.id, name: 'Docs' },
      ],
    });
  });

  it('pages through many hits without repeating or losing one, and refuses a forged cursor', async () => {
    const { api } = await signUp(server, uniqueName());
    for (let n = 0; n < 7; n++) await file(api, 'root', `scan ${n}.pdf`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { items: { node: { name: string } }[]; nextCursor: string | null } = await search(
        api,
        `q=scan&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`,
      );
      seen.push(...names(page));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0].map((n) => `scan ${n}.pdf`));
    await api.expect(400, 'GET', '/search?q=scan&cursor=bm90IGEgY3Vyc29y');
    await api.expect(400, 'GET', '/search?q=%20%20');
  });

  it('keeps paging where it was while the tree changes, and shows the path after a move', async () => {
    const { api } = await signUp(server, uniqueName());
    const files = [];
    for (let n = 0; n < 6; n++) files.push(await file(api, 'root', `memo ${n}.txt`));
    const first = await search(api, 'q=memo&limit=3');
    expect(names(first)).toEqual(['memo 5.txt', 'memo 4.txt', 'memo 3.txt']);
    // Meanwhile: a newer match (it sorts before the cursor) and one of the next page trashed.
    await file(api, 'root', 'memo 9.txt');
    await api.expect(204, 'DELETE', `/nodes/${files[1].id}`);
    const second = await search(api, `q=memo&limit=3&cursor=${first.nextCursor}`);
    expect(names(second)).toEqual(['memo 2.txt', 'memo 0.txt']);
    expect(second.nextCursor).toBeNull();
    // A move shows at once in the path of what was moved and of what is under it.
    const archive = await folder(api, 'root', 'Archive');
    const old = await folder(api, 'root', 'Old');
    await api.expect(200, 'PATCH', `/nodes/${files[0].id}`, { json: { parentId: old.id } });
    await api.expect(200, 'PATCH', `/nodes/${old.id}`, { json: { parentId: archive.id } });
    const moved = await search(api, `q=${encodeURIComponent('memo 0')}`);
    expect(moved.items[0].location.path).toEqual([
      { id: archive.id, name: 'Archive' },
      { id: old.id, name: 'Old' },
    ]);
  });

  it('lists my recent files newest first, without folders or the trash', async () => {
    const { api } = await signUp(server, uniqueName());
    const a = await file(api, 'root', 'a.txt');
    await folder(api, 'root', 'folder');
    await file(api, 'root', 'b.txt');
    const c = await file(api, 'root', 'c.txt');
    await api.expect(204, 'DELETE', `/nodes/${c.id}`);
    await api.expect(200, 'PATCH', `/nodes/${a.id}`, { json: { name: 'a renamed.txt' } });
    expect(names(await api.expect(200, 'GET', '/recent'))).toEqual(['a renamed.txt', 'b.txt']);
    const first = await api.expect(200, 'GET', '/recent?limit=1');
    expect(names(first)).toEqual(['a renamed.txt']);
    expect(names(await api.expect(200, 'GET', `/recent?limit=1&cursor=${first.nextCursor}`))).toEqual([
      'b.txt',
    ]);
  });

  it('stars and unstars my things, lists them, and another user’s node is not found', async () => {
    const { api } = await signUp(server, uniqueName());
    const other = await signUp(server, uniqueName());
    const a = await file(api, 'root', 'a.txt');
    const f = await folder(api, 'root', 'favourites');
    const theirs = await file(other.api, 'root', 'theirs.txt');
    await api.expect(204, 'PUT', `/nodes/${a.id}/star`);
    await api.expect(204, 'PUT', `/nodes/${f.id}/star`);
    await api.expect(204, 'PUT', `/nodes/${f.id}/star`);
    await api.expect(404, 'PUT', `/nodes/${theirs.id}/star`);
    expect(names(await api.expect(200, 'GET', '/starred'))).toEqual(['favourites', 'a.txt']);
    await api.expect(204, 'DELETE', `/nodes/${f.id}/star`);
    await api.expect(204, 'DELETE', `/nodes/${a.id}`);
    expect(names(await api.expect(200, 'GET', '/starred'))).toEqual([]);
    expect(names(await other.api.expect(200, 'GET', '/starred'))).toEqual([]);
  });
});
