import { describe, expect, test } from 'vitest';
import { emptyShareForm, localDateTime, type Share, shareBody, usageLabel } from './share-settings';

const now = new Date('2030-01-01T12:00:00Z');
const nodeId = '00000000-0000-4000-8000-000000000001';

describe('shareBody', () => {
  test('an empty link form sends the node and kind only', () => {
    expect(shareBody(nodeId, emptyShareForm('link'), now)).toEqual({ nodeId, kind: 'link' });
  });

  test('a link sends its password, expiry and download limit, and no drop limits', () => {
    const expiresAt = localDateTime(new Date('2030-01-02T08:30:00Z'));
    const body = shareBody(
      nodeId,
      { ...emptyShareForm('link'), password: 'pw', expiresAt, maxDownloads: ' 3 ', maxFiles: '9' },
      now,
    );
    expect(body).toEqual({
      nodeId,
      kind: 'link',
      password: 'pw',
      expiresAt: '2030-01-02T08:30:00.000Z',
      maxDownloads: 3,
    });
  });

  test('a drop sends its size limit in bytes and its file limit, and no download limit', () => {
    const body = shareBody(
      nodeId,
      { ...emptyShareForm('drop'), maxFileMegabytes: '1.5', maxFiles: '20', maxDownloads: '2' },
      now,
    );
    expect(body).toEqual({ nodeId, kind: 'drop', maxFileBytes: 1_572_864, maxFiles: 20 });
  });

  test('says which field is wrong', () => {
    const link = emptyShareForm('link');
    expect(() => shareBody(nodeId, { ...link, maxDownloads: '0' }, now)).toThrow(/download limit/);
    expect(() => shareBody(nodeId, { ...link, maxDownloads: '2.5' }, now)).toThrow(/whole number/);
    expect(() =>
      shareBody(nodeId, { ...link, expiresAt: localDateTime(new Date('2029-12-31')) }, now),
    ).toThrow(/future/);
    const drop = emptyShareForm('drop');
    expect(() => shareBody(nodeId, { ...drop, maxFileMegabytes: '-1' }, now)).toThrow(/size limit/);
    expect(() => shareBody(nodeId, { ...drop, maxFiles: 'many' }, now)).toThrow(/file limit/);
  });
});

describe('localDateTime', () => {
  test('reads back as the same minute', () => {
    const date = new Date(2031, 4, 6, 7, 8);
    expect(localDateTime(date)).toBe('2031-05-06T07:08');
    expect(new Date(localDateTime(date)).getTime()).toBe(date.getTime());
  });
});

describe('usageLabel', () => {
  const share = {
    kind: 'link',
    downloads: 1,
    maxDownloads: null,
    filesDropped: 0,
    maxFiles: null,
  } as Share;
  test('counts downloads of a link against its limit', () => {
    expect(usageLabel(share)).toBe('1 download');
    expect(usageLabel({ ...share, downloads: 3, maxDownloads: 10 })).toBe('3 downloads of 10');
  });
  test('counts files of a drop against its limit', () => {
    expect(usageLabel({ ...share, kind: 'drop', filesDropped: 2, maxFiles: 5 })).toBe('2 files dropped of 5');
    expect(usageLabel({ ...share, kind: 'drop', filesDropped: 1 })).toBe('1 file dropped');
  });
});
