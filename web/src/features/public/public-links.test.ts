import { expect, test } from 'vitest';
import { sharedFileUrl, sharedFolderFileUrl, sharedZipUrl } from './public-links';

test('download addresses sit under the link’s own path, where its grant cookie goes', () => {
  const token = 'abc_-12';
  expect(sharedFileUrl(token)).toBe('/api/v1/public/abc_-12/content');
  expect(sharedFolderFileUrl(token, 'f1')).toBe('/api/v1/public/abc_-12/files/f1/content');
  expect(sharedZipUrl(token)).toBe('/api/v1/public/abc_-12/zip');
  expect(sharedZipUrl(token, ['a', 'b c'])).toBe('/api/v1/public/abc_-12/zip?ids=a&ids=b%20c');
});
