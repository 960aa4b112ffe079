import { createHash, randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { contentMd5 } from './content-md5';

const md5Of = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('base64');

test('the Content-MD5 of a part read as a stream of many chunks is the MD5 of all its bytes', async () => {
  const pieces = [randomBytes(3 * 1024 * 1024 + 17), randomBytes(1), randomBytes(70_000)];
  const blob = new Blob(pieces);
  expect(await contentMd5(blob)).toBe(md5Of(Buffer.concat(pieces)));
  // A slice, as parts are cut from the file.
  const slice = blob.slice(1000, 2_000_000);
  expect(await contentMd5(slice)).toBe(md5Of(Buffer.concat(pieces).subarray(1000, 2_000_000)));
});

test('an empty part has the MD5 of nothing', async () => {
  expect(await contentMd5(new Blob([]))).toBe('1B2M2Y8AsgTpgAmY7PhCfg==');
});
