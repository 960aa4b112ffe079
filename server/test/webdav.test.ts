import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DOMParser, MIME_TYPE } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { davClient, davSignUp, litmus, run } from './dav-client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { tempDir } from './services.ts';

describe.each(driverSets())('WebDAV at /dav/ (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  it('passes litmus basic, copymove, props and http', { timeout: 180_000 }, async () => {
    const account = await davSignUp(server);
    const suites = ['basic', 'copymove', 'props', 'http'];
    const { summaries, problems, stdout } = await litmus(server, account, suites);
    expect(summaries, stdout).toEqual({
      basic: { run: 16, passed: 16, failed: 0 },
      copymove: { run: 13, passed: 13, failed: 0 },
      props: { run: 30, passed: 30, failed: 0 },
      http: { run: 4, passed: 4, failed: 0 },
    });
    expect(problems).toEqual([]);
  });

  it('works with a scripted cadaver session', { timeout: 60_000 }, async () => {
    const account = await davSignUp(server);
    const work = await tempDir();
    try {
      const { hostname } = new URL(server.origin);
      await writeFile(
        path.join(work.path, '.netrc'),
        `machine ${hostname} login ${account.user.username} password ${account.davPassword}\n`,
        { mode: 0o600 },
      );
      await writeFile(path.join(work.path, 'notes.txt'), 'cadaver was here\n');
      const script = [
        'mkcol docs',
        'cd docs',
        'put notes.txt',
        'get notes.txt back.txt',
        'lock notes.txt',
        'propset notes.txt colour blue',
        'unlock notes.txt',
        'propget notes.txt colour',
        'ls',
        'quit',
      ].join('\n');
      const child = execFile('cadaver', [`${server.origin}/dav/`], {
        cwd: work.path,
        env: { ...process.env, HOME: work.path },
      });
      child.stdin?.end(`${script}\n`);
      let output = '';
      child.stdout?.on('data', (chunk) => {
        output += chunk;
      });
      await new Promise((resolve) => child.on('close', resolve));
      for (const step of ['Creating', 'Uploading notes.txt', 'Locking', 'Setting property', 'Unlocking'])
        expect(output).toMatch(new RegExp(`${step}.*succeeded`));
      expect(await readFile(path.join(work.path, 'back.txt'), 'utf8')).toBe('cadaver was here\n');
      expect(output).toContain('colour');
      expect(output).toContain('blue');
      expect(output).not.toMatch(/failed|Locked|423/);
      const dav = davClient(server, account);
      expect(await (await dav('GET', '/docs/notes.txt')).text()).toBe('cadaver was here\n');
      // The lock is gone: a write without a token goes through.
      expect((await dav('PUT', '/docs/notes.txt', { body: 'after' })).status).toBe(204);
    } finally {
      await work.remove();
    }
  });

  it('takes a tree from rclone and gives back the same bytes', { timeout: 120_000 }, async () => {
    const account = await davSignUp(server);
    const work = await tempDir();
    try {
      const up = path.join(work.path, 'up');
      const names = ['plain.txt', 'with space.txt', 'ünïcödé.md', 'hash#and%percent.bin', 'emoji 🎉.txt'];
      await mkdir(path.join(up, 'nested', 'deeper'), { recursive: true });
      const files = new Map<string, Buffer>();
      for (const [i, name] of names.entries())
        files.set(i % 2 === 0 ? name : `nested/${name}`, randomBytes(100 + i));
      files.set('nested/deeper/large.bin', randomBytes(6 * 1024 * 1024 + 3));
      files.set('empty.txt', Buffer.alloc(0));
      for (const [name, data] of files) await writeFile(path.join(up, name), data);
      const obscured = (await run('rclone', ['obscure', account.davPassword])).stdout.trim();
      const env = {
        ...process.env,
        RCLONE_CONFIG_DAV_TYPE: 'webdav',
        RCLONE_CONFIG_DAV_URL: `${server.origin}/dav/`,
        RCLONE_CONFIG_DAV_VENDOR: 'other',
        RCLONE_CONFIG_DAV_USER: account.user.username,
        RCLONE_CONFIG_DAV_PASS: obscured,
      };
      const rclone = (...args: string[]) => run('rclone', ['--config', '/dev/null', ...args], { env });
      await rclone('copy', up, 'dav:tree');
      await rclone('check', '--download', up, 'dav:tree');
      const listed = JSON.parse((await rclone('lsjson', '-R', '--files-only', 'dav:tree')).stdout) as {
        Path: string;
        Size: number;
      }[];
      expect(new Map(listed.map((entry) => [entry.Path, entry.Size]))).toEqual(
        new Map([...files].map(([name, data]) => [name.normalize('NFC'), data.length])),
      );
      const down = path.join(work.path, 'down');
      await rclone('copy', 'dav:tree', down);
      for (const [name, data] of files)
        expect((await readFile(path.join(down, name))).equals(data)).toBe(true);
      // What rclone wrote is what the API shows.
      const tree = (await account.api.expect(200, 'GET', '/folders/root')).children;
      const treeFolder = tree.find((node: { name: string }) => node.name === 'tree');
      const inTree = (await account.api.expect(200, 'GET', `/folders/${treeFolder.id}`)).children;
      expect(inTree.map((node: { name: string }) => node.name).sort()).toEqual(
        ['empty.txt', 'emoji 🎉.txt', 'nested', 'plain.txt', 'ünïcödé.md'].sort(),
      );
    } finally {
      await work.remove();
    }
  });

  it('asks for Basic credentials and takes an app password, not the account password nor a session token', async () => {
    const account = await davSignUp(server);
    const anonymous = await fetch(`${server.origin}/dav/`, { method: 'PROPFIND', headers: { depth: '0' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="Fileshare"/);
    const withPassword = `Basic ${Buffer.from(`${account.user.username}:correct horse battery`).toString('base64')}`;
    const refused = await fetch(`${server.origin}/dav/`, {
      method: 'PROPFIND',
      headers: { depth: '0', authorization: withPassword },
    });
    expect(refused.status).toBe(401);
    const other = await davSignUp(server);
    const wrongUser = `Basic ${Buffer.from(`${other.user.username}:${account.davPassword}`).toString('base64')}`;
    expect(
      (await fetch(`${server.origin}/dav/`, { method: 'PROPFIND', headers: { authorization: wrongUser } }))
        .status,
    ).toBe(401);
    const session = `Basic ${Buffer.from(`${account.user.username}:${account.token}`).toString('base64')}`;
    expect(
      (
        await fetch(`${server.origin}/dav/`, {
          method: 'PROPFIND',
          headers: { depth: '0', authorization: session },
        })
      ).status,
    ).toBe(401);
    expect((await davClient(server, account)('PROPFIND', '/', { headers: { depth: '0' } })).status).toBe(207);
  });

  it('lets a read-only app password read and nothing more', async () => {
    const account = await davSignUp(server, 'read');
    const dav = davClient(server, account);
    expect((await dav('PROPFIND', '/', { headers: { depth: '1' } })).status).toBe(207);
    expect((await dav('PUT', '/nope.txt', { body: 'no' })).status).toBe(403);
    expect((await dav('MKCOL', '/nope')).status).toBe(403);
    expect((await account.api.expect(200, 'GET', '/folders/root')).children).toEqual([]);
  });

  it('never reaches another user’s nodes, and refuses hostile paths', async () => {
    const alice = await davSignUp(server);
    const bob = await davSignUp(server);
    const asAlice = davClient(server, alice);
    const asBob = davClient(server, bob);
    expect((await asAlice('MKCOL', '/private')).status).toBe(201);
    expect((await asAlice('PUT', '/private/secret.txt', { body: 'secret' })).status).toBe(201);
    expect((await asBob('GET', '/private/secret.txt')).status).toBe(404);
    expect((await asBob('PROPFIND', '/private/', { headers: { depth: '1' } })).status).toBe(404);
    expect((await asBob('DELETE', '/private')).status).toBe(404);
    const listing = await (await asBob('PROPFIND', '/', { headers: { depth: '1' } })).text();
    expect(listing).not.toContain('private');
    for (const hostile of ['/private/..%2F..%2Fetc', '/private/%00', '/a%2Fb', '/%E0%A4%A']) {
      const response = await asAlice('PROPFIND', hostile, { headers: { depth: '0' } });
      expect(response.status, hostile).toBe(400);
    }
    // The names are NFC-normalised as everywhere: the decomposed spelling reaches the same file.
    expect(
      (await asAlice('PUT', `/private/${encodeURIComponent('café.txt'.normalize('NFD'))}`, { body: 'x' }))
        .status,
    ).toBe(201);
    expect((await asAlice('GET', `/private/${encodeURIComponent('café.txt')}`)).status).toBe(200);
  });

  it('walks a deep path to what is live there: not through a file, nor through the trash', async () => {
    const account = await davSignUp(server);
    const dav = davClient(server, account);
    for (const folder of ['/a', '/a/b', '/a/b/c']) expect((await dav('MKCOL', folder)).status).toBe(201);
    expect((await dav('PUT', '/a/b/c/d.txt', { body: 'deep' })).status).toBe(201);
    expect(await (await dav('GET', '/a/b/c/d.txt')).text()).toBe('deep');
    // A name below a file, or below a name that isn't there, has no folder to be in.
    expect((await dav('PUT', '/a/b/c/d.txt/e.txt', { body: 'x' })).status).toBe(409);
    expect((await dav('PUT', '/a/missing/e.txt', { body: 'x' })).status).toBe(409);
    expect((await dav('PROPFIND', '/a/missing/e.txt', { headers: { depth: '0' } })).status).toBe(404);
    // Once b is in the trash, nothing under it is at a path, and the name is free for a new b.
    expect((await dav('DELETE', '/a/b')).status).toBe(204);
    expect((await dav('GET', '/a/b/c/d.txt')).status).toBe(404);
    expect((await dav('PUT', '/a/b/c/d.txt', { body: 'x' })).status).toBe(409);
    expect((await dav('MKCOL', '/a/b')).status).toBe(201);
    expect((await dav('PUT', '/a/b/new.txt', { body: 'new' })).status).toBe(201);
    const listing = await (await dav('PROPFIND', '/a/b/', { headers: { depth: '1' } })).text();
    expect(listing).toContain('/dav/a/b/new.txt');
    expect(listing).not.toContain('/dav/a/b/c');
  });

  it('answers PUT 201 then 204, GET with Range and the download ETag, and refuses Depth infinity', async () => {
    const account = await davSignUp(server);
    const dav = davClient(server, account);
    expect((await dav('PUT', '/a.txt', { body: 'first version' })).status).toBe(201);
    const replaced = await dav('PUT', '/a.txt', { body: 'second version' });
    expect(replaced.status).toBe(204);
    const ranged = await dav('GET', '/a.txt', { headers: { range: 'bytes=0-5' } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('second');
    expect(ranged.headers.get('etag')).toBe(replaced.headers.get('etag'));
    expect(replaced.headers.get('etag')).toBe(
      `"${createHash('sha256').update('second version').digest('hex').slice(0, 32)}"`,
    );
    const props = await (await dav('PROPFIND', '/a.txt', { headers: { depth: '0' } })).text();
    expect(props).toContain(
      `<D:getetag>${replaced.headers.get('etag')?.replaceAll('"', '&quot;')}</D:getetag>`,
    );
    expect(props).toContain('<D:getcontentlength>14</D:getcontentlength>');
    const infinite = await dav('PROPFIND', '/', { headers: { depth: 'infinity' } });
    expect(infinite.status).toBe(403);
    expect(await infinite.text()).toContain('<D:propfind-finite-depth/>');
    expect((await dav('PUT', '/missing/a.txt', { body: 'x' })).status).toBe(409);
    expect((await dav('MKCOL', '/a.txt')).status).toBe(405);
  });

  it('takes a chunked PUT with no length, as macOS Finder sends it', async () => {
    const account = await davSignUp(server);
    const data = randomBytes(300_000);
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < data.length; i += 65_536) controller.enqueue(data.subarray(i, i + 65_536));
        controller.close();
      },
    });
    const response = await fetch(`${server.origin}/dav/chunked.bin`, {
      method: 'PUT',
      headers: {
        authorization: `Basic ${Buffer.from(`${account.user.username}:${account.davPassword}`).toString('base64')}`,
        'x-expected-entity-length': String(data.length),
      },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(201);
    const back = Buffer.from(await (await davClient(server, account)('GET', '/chunked.bin')).arrayBuffer());
    expect(back.equals(data)).toBe(true);
    const root = await account.api.expect(200, 'GET', '/folders/root');
    expect(root.children.map((node: { name: string; size: number }) => [node.name, node.size])).toEqual([
      ['chunked.bin', data.length],
    ]);
  });

  it('answers the quota properties and trashes on DELETE', async () => {
    const account = await davSignUp(server);
    const dav = davClient(server, account);
    await dav('PUT', '/twelve.bin', { body: '123456789012' });
    const quota = await (
      await dav('PROPFIND', '/', {
        headers: { depth: '0', 'content-type': 'application/xml' },
        body: '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><quota-used-bytes/><quota-available-bytes/></prop></propfind>',
      })
    ).text();
    expect(quota).toContain('<D:quota-used-bytes>12</D:quota-used-bytes>');
    // No quota is set for this account, so there is no available-bytes figure to give.
    expect(quota).toMatch(
      /<D:propstat><D:prop><D:quota-available-bytes\/><\/D:prop><D:status>HTTP\/1.1 404 Not Found/,
    );
    expect((await dav('DELETE', '/twelve.bin')).status).toBe(204);
    const trash = await account.api.expect(200, 'GET', '/trash');
    expect(trash.items.map((node: { name: string }) => node.name)).toEqual(['twelve.bin']);
  });

  it('lists a folder of thousands, folders and files, every child once in well-formed XML', {
    timeout: 300_000,
  }, async () => {
    const account = await davSignUp(server);
    const dav = davClient(server, account);
    await dav('MKCOL', '/many');
    // Names that need escaping in a URL and in XML, and that differ only in case (ordered by both).
    const name = (i: number) => [`F ${i} & <b>`, `f ${i} é`, `g${i}`][i % 3] ?? '';
    const folders = Array.from({ length: 1600 }, (_, i) => name(i));
    const files = Array.from({ length: 400 }, (_, i) => `${name(i)}.txt`);
    // Ten at a time, as a sync client would: each request's Basic sign-in counts while it is checked.
    const put = async (child: string, folder: boolean) => {
      const response = await dav(folder ? 'MKCOL' : 'PUT', `/many/${encodeURIComponent(child)}`, {
        ...(folder ? {} : { body: child }),
      });
      expect(response.status).toBe(201);
    };
    const all = [
      ...folders.map((child) => [child, true] as const),
      ...files.map((child) => [child, false] as const),
    ];
    for (let i = 0; i < all.length; i += 10)
      await Promise.all(all.slice(i, i + 10).map(([child, folder]) => put(child, folder)));
    // A few children with a dead property, on and around the pages' edges.
    const marked = [folders[99], folders[100], folders[1599], files[0], files[399]] as string[];
    for (const child of marked) {
      const patch = await dav('PROPPATCH', `/many/${encodeURIComponent(child)}`, {
        body: '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop><Z:mark>yes</Z:mark></D:prop></D:set></D:propertyupdate>',
      });
      expect(patch.status).toBe(207);
    }

    const response = await dav('PROPFIND', '/many/', { headers: { depth: '1' } });
    expect(response.status).toBe(207);
    const body = await response.text();
    const document = new DOMParser({
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(body, MIME_TYPE.XML_APPLICATION);
    const answers = Array.from(document.getElementsByTagNameNS('DAV:', 'response')).map((element) => ({
      href: element.getElementsByTagNameNS('DAV:', 'href')[0]?.textContent ?? '',
      marked: element.getElementsByTagNameNS('urn:z', 'mark').length,
      collection: element.getElementsByTagNameNS('DAV:', 'collection').length === 1,
    }));
    const hrefOf = (child: string, folder: boolean) =>
      `/dav/many/${encodeURIComponent(child)}${folder ? '/' : ''}`;
    expect(answers[0]).toEqual({ href: '/dav/many/', marked: 0, collection: true });
    const children = answers.slice(1);
    expect(children).toHaveLength(folders.length + files.length);
    const expected = all.map(([child, folder]) => ({
      href: hrefOf(child, folder),
      marked: marked.includes(child) ? 1 : 0,
      collection: folder,
    }));
    const byHref = (a: { href: string }, b: { href: string }) =>
      a.href < b.href ? -1 : a.href > b.href ? 1 : 0;
    expect([...children].sort(byHref)).toEqual([...expected].sort(byHref));
  });

  it('keeps dead properties through MOVE and COPY', async () => {
    const account = await davSignUp(server);
    const dav = davClient(server, account);
    await dav('PUT', '/p.txt', { body: 'p' });
    const patch = await dav('PROPPATCH', '/p.txt', {
      body: '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop><Z:colour>blue<Z:shade>dark</Z:shade></Z:colour></D:prop></D:set></D:propertyupdate>',
    });
    expect(patch.status).toBe(207);
    expect(
      (await dav('MOVE', '/p.txt', { headers: { destination: `${server.origin}/dav/q.txt` } })).status,
    ).toBe(201);
    expect((await dav('COPY', '/q.txt', { headers: { destination: '/dav/r.txt' } })).status).toBe(201);
    for (const name of ['q.txt', 'r.txt']) {
      const props = await (await dav('PROPFIND', `/${name}`, { headers: { depth: '0' } })).text();
      expect(props).toContain('<Z:colour xmlns:Z="urn:z">blue<Z:shade>dark</Z:shade></Z:colour>');
    }
    expect(
      (await dav('COPY', '/q.txt', { headers: { destination: '/dav/r.txt', overwrite: 'F' } })).status,
    ).toBe(412);
    expect(await (await dav('GET', '/r.txt')).text()).toBe('p');
  });
});
