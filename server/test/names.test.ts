import { beforeAll, describe, expect, it } from 'vitest';
import { type Api, serverWithOneUser } from './client.ts';
import { driverSets } from './harness.ts';

/** Names that are easy to lose a character of on the way: invisible, combining, joined, decomposed. */
const NAMES = [
  'a\uFEFF',
  'a\uFEFFb',
  'zero\u200Bwidth',
  '\u200Bleading zero width',
  'non\u200Cjoiner\u200Djoiner',
  '\u2060word joiner',
  'e\u0301',
  '\u0301 combining first',
  'q\u0307\u0323',
  '👩‍👩‍👧 family',
  ' spaced ',
  'Ａｂｃ full width',
];
/** What the server stores (and answers) for a name: its NFC form, and nothing else changed. */
const stored = (name: string) => name.normalize('NFC');
const codePoints = (name: string) => [...name].map((c) => c.codePointAt(0)?.toString(16).padStart(4, '0'));

/** The exact name a download's Content-Disposition gives (its RFC 5987 `filename*`). */
function dispositionName(header: string | null): string | undefined {
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header ?? '')?.[1];
  return encoded === undefined ? undefined : decodeURIComponent(encoded);
}

describe.each(driverSets())('names come back exactly as stored (%s)', (set) => {
  const context = serverWithOneUser(set);
  let api: Api;
  beforeAll(() => {
    api = context.api;
  });

  it('through folder creation, simple upload, upload sessions, rename, listing and download', async () => {
    for (const [i, name] of NAMES.entries()) {
      const want = stored(name);
      const parent = await api.expect(201, 'POST', '/folders', {
        json: { parentId: 'root', name: `case ${i}` },
      });
      const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: parent.id, name } });
      const uploaded = await (await api.upload(parent.id, `${name}.bin`, 'content')).json();
      const renamed = await (await api.upload(parent.id, `placeholder ${i}`, 'x')).json();
      const afterRename = await api.expect(200, 'PATCH', `/nodes/${renamed.id}`, {
        json: { name: `${name}.txt` },
      });
      const session = await api.expect(201, 'POST', '/uploads', {
        json: { parentId: parent.id, name: `${name}.session`, size: 0 },
      });
      const completed = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
      const answered = [folder.name, uploaded.name, afterRename.name, session.name, completed.name];
      expect(answered.map(codePoints), name).toEqual(
        [want, `${want}.bin`, `${want}.txt`, `${want}.session`, `${want}.session`].map(codePoints),
      );

      const listing = await api.expect(200, 'GET', `/folders/${parent.id}`);
      expect(listing.children.map((node: { name: string }) => codePoints(node.name)).sort(), name).toEqual(
        [want, `${want}.bin`, `${want}.session`, `${want}.txt`].map(codePoints).sort(),
      );
      for (const id of [folder.id, uploaded.id]) {
        expect(codePoints((await api.expect(200, 'GET', `/nodes/${id}`)).name)).toEqual(
          codePoints(id === folder.id ? want : `${want}.bin`),
        );
      }
      const download = await api.request('GET', `/files/${uploaded.id}/content`);
      expect(await download.text()).toBe('content');
      expect(codePoints(dispositionName(download.headers.get('content-disposition')) ?? ''), name).toEqual(
        codePoints(`${want}.bin`),
      );
    }
  });

  it('takes a decomposed name as its composed form, so the two are one name', async () => {
    const parent = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'nfc' } });
    await api.expect(201, 'POST', '/folders', { json: { parentId: parent.id, name: 'caf\u00e9' } });
    const taken = await api.request('POST', '/folders', {
      json: { parentId: parent.id, name: 'cafe\u0301' },
    });
    expect(taken.status).toBe(409);
    expect((await api.upload(parent.id, 'cafe\u0301', 'x')).status).toBe(409);
  });

  it('refuses a name beginning with U+FEFF everywhere, rather than lose it', async () => {
    const file = await (await api.upload('root', 'plain.txt', 'x')).json();
    for (const name of ['\uFEFF', '\uFEFFreport.txt', '\uFEFF\uFEFF']) {
      const attempts = [
        await api.request('POST', '/folders', { json: { parentId: 'root', name } }),
        await api.upload('root', name, 'x'),
        await api.request('PATCH', `/nodes/${file.id}`, { json: { name } }),
        await api.request('POST', '/uploads', { json: { parentId: 'root', name, size: 1 } }),
      ];
      for (const response of attempts) {
        expect([response.status, (await response.json()).error?.code], codePoints(name).join(' ')).toEqual([
          400,
          'invalid_name',
        ]);
      }
    }
    const listing = await api.expect(200, 'GET', '/folders/root');
    expect(listing.children.map((node: { name: string }) => node.name).sort()).toEqual(
      ['nfc', 'plain.txt', ...NAMES.map((_, i) => `case ${i}`)].sort(),
    );
    expect((await api.expect(200, 'GET', `/nodes/${file.id}`)).name).toBe('plain.txt');
  });
});
