import { describe, expect, it } from 'vitest';
import { safeSegment, safeZipEntries } from './zip-entry-names.ts';

const paths = (list: string[]) => safeZipEntries(list.map((path) => ({ path }))).map((entry) => entry.path);

describe('zip entry names', () => {
  it('replaces what an extractor would read as a separator, a drive or a character Windows refuses', () => {
    expect(safeSegment('..\\..\\evil.txt')).toBe('.._.._evil.txt');
    expect(safeSegment('trail\\')).toBe('trail_');
    expect(safeSegment('C:')).toBe('C_');
    expect(safeSegment('\\\\server\\share')).toBe('__server_share');
    expect(safeSegment('a<b>c:d"e|f?g*h')).toBe('a_b_c_d_e_f_g_h');
    expect(safeSegment('tab\there')).toBe('tab_here');
  });

  it('drops trailing dots and spaces, and never leaves an empty, "." or ".." segment', () => {
    expect(safeSegment('notes.txt. . ')).toBe('notes.txt');
    expect(safeSegment('...')).toBe('_');
    expect(safeSegment(' ')).toBe('_');
    expect(safeSegment('. .')).toBe('_');
    expect(safeSegment('.hidden')).toBe('.hidden');
  });

  it('moves Windows device names aside, with any extension and case', () => {
    for (const name of ['CON', 'con.txt', 'Aux', 'nul.tar.gz', 'COM1', 'lpt9.log', 'COM¹', 'prn .txt'])
      expect(safeSegment(name), name).toBe(`_${name}`);
    for (const name of ['CONSOLE', 'com10', 'auxiliary.txt', 'nulls']) expect(safeSegment(name)).toBe(name);
  });

  it('keeps every other character, Unicode included', () => {
    for (const name of ['Résumé 2024 (final).pdf', '日本語.txt', '👩‍👩‍👧', 'a\u200Bb', '#%&{}[]$@!'])
      expect(safeSegment(name)).toBe(name);
  });

  it('gives names that are one on a case-insensitive file system distinct names, and folders carry theirs down', () => {
    expect(paths(['Docs', 'Docs/a', 'docs', 'docs/a', 'docs/A', 'DOCS.'])).toEqual([
      'Docs',
      'Docs/a',
      'docs (2)',
      'docs (2)/a',
      'docs (2)/A (2)',
      'DOCS (3)',
    ]);
  });

  it('keeps a file whose name turned into a sibling’s apart from it', () => {
    expect(paths(['zipme', 'zipme/a', 'zipme/a/b', 'zipme/a\\b', 'zipme/a_b'])).toEqual([
      'zipme',
      'zipme/a',
      'zipme/a/b',
      'zipme/a_b',
      'zipme/a_b (2)',
    ]);
    expect(paths(['x', 'x/con', 'x/_con'])).toEqual(['x', 'x/_con', 'x/_con (2)']);
  });

  it('keeps the rest of each entry and the order', () => {
    const entries = [
      { path: 'b\\', kind: 'file', blobKey: 'k1' },
      { path: 'a', kind: 'folder', blobKey: null },
    ];
    expect(safeZipEntries(entries)).toEqual([
      { path: 'b_', kind: 'file', blobKey: 'k1' },
      { path: 'a', kind: 'folder', blobKey: null },
    ]);
  });
});
