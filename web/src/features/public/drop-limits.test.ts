import { describe, expect, test } from 'vitest';
import { admitFiles } from './drop-limits';

const file = (name: string, size: number) => ({ name, size });

describe('admitFiles', () => {
  test('takes everything when the drop has no limits', () => {
    const files = [file('a', 1), file('b', 10 ** 12)];
    expect(admitFiles(files, { maxFileBytes: null, room: null })).toEqual({ accepted: files, refused: [] });
  });

  test('refuses files over the size limit, and says which', () => {
    const { accepted, refused } = admitFiles([file('small', 1024), file('big', 1025)], {
      maxFileBytes: 1024,
      room: null,
    });
    expect(accepted.map((f) => f.name)).toEqual(['small']);
    expect(refused).toEqual(['big is larger than 1.0 KB.']);
  });

  test('takes no more files than there is room for; a refused large file leaves its place', () => {
    const { accepted, refused } = admitFiles([file('big', 5000), file('a', 1), file('b', 1), file('c', 1)], {
      maxFileBytes: 4096,
      room: 2,
    });
    expect(accepted.map((f) => f.name)).toEqual(['a', 'b']);
    expect(refused).toEqual(['big is larger than 4.0 KB.', 'c: this drop takes no more files.']);
  });

  test('a full drop takes nothing', () => {
    expect(admitFiles([file('a', 1)], { maxFileBytes: null, room: 0 }).accepted).toEqual([]);
  });
});
