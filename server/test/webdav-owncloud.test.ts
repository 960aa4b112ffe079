import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { davClient, davSignUp } from './dav-client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

describe.each(driverSets())('WebDAV for ownCloud clients (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  it('keeps the modification time X-OC-Mtime gives, in the API and in getlastmodified', async () => {
    const account = await davSignUp(server);
    const dav = davClient(server, account);
    const put = await dav('PUT', '/old.txt', { body: 'from 2001', headers: { 'x-oc-mtime': '1000000000' } });
    expect(put.status).toBe(201);
    expect(put.headers.get('x-oc-mtime')).toBe('accepted');
    const root = await account.api.expect(200, 'GET', '/folders/root');
    const file = root.children.find((node: { name: string }) => node.name === 'old.txt');
    expect(file.updatedAt).toBe('2001-09-09T01:46:40.000Z');
    const found = await (await dav('PROPFIND', '/old.txt', { headers: { depth: '0' } })).text();
    expect(found).toContain('<D:getlastmodified>Sun, 09 Sep 2001 01:46:40 GMT</D:getlastmodified>');
    // Replacing it keeps the id and takes the new time; without the header it is now.
    const again = await dav('PUT', '/old.txt', {
      body: 'from 2009',
      headers: { 'x-oc-mtime': '1234567890.5' },
    });
    expect(again.status).toBe(204);
    const replaced = await account.api.expect(200, 'GET', `/nodes/${file.id}`);
    expect(replaced.updatedAt).toBe('2009-02-13T23:31:30.500Z');
    const plain = await dav('PUT', '/old.txt', { body: 'today', headers: { 'x-oc-mtime': 'yesterday' } });
    expect(plain.headers.get('x-oc-mtime')).toBeNull();
    const now = await account.api.expect(200, 'GET', `/nodes/${file.id}`);
    expect(Date.now() - Date.parse(now.updatedAt)).toBeLessThan(60_000);
  });

  it('answers the SHA-256 as OC-Checksum and oc:checksums', async () => {
    const account = await davSignUp(server);
    const dav = davClient(server, account);
    const sha256 = createHash('sha256').update('checked').digest('hex');
    expect((await dav('PUT', '/c.txt', { body: 'checked' })).status).toBe(201);
    for (const method of ['GET', 'HEAD']) {
      const answer = await dav(method, '/c.txt');
      expect(answer.headers.get('oc-checksum')).toBe(`SHA256:${sha256}`);
      await answer.arrayBuffer();
    }
    const body =
      '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">' +
      '<d:prop><oc:checksums/><d:getetag/></d:prop></d:propfind>';
    const found = await (await dav('PROPFIND', '/c.txt', { headers: { depth: '0' }, body })).text();
    expect(found).toContain(
      `<P:checksums xmlns:P="http://owncloud.org/ns"><P:checksum>SHA256:${sha256}</P:checksum></P:checksums>`,
    );
    expect((await dav('MKCOL', '/folder')).status).toBe(201);
    const folder = await (await dav('PROPFIND', '/folder/', { headers: { depth: '0' }, body })).text();
    expect(folder).toMatch(/<D:status>HTTP\/1.1 404 Not Found<\/D:status>/);
    expect(folder).toContain('<P:checksums xmlns:P="http://owncloud.org/ns"/>');
  });
});
