import { describe, expect, test } from 'vitest';
import { containerLink, type Found, locationLabel, openTarget } from './location';

const node = (kind: 'file' | 'folder', id = 'n1'): Found['node'] => ({
  id,
  kind,
  name: kind === 'file' ? 'été.txt' : 'Photos',
  parentId: 'p',
  size: kind === 'file' ? 3 : null,
  storedSize: kind === 'file' ? 3 : null,
  encoding: kind === 'file' ? 'identity' : null,
  contentType: kind === 'file' ? 'text/plain' : null,
  sha256: null,
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  trashedAt: null,
});

const path = [
  { id: 'a', name: 'Reports' },
  { id: 'b', name: '2024' },
];

describe('where a hit is', () => {
  test('my own nodes start at My files, with their folders in order', () => {
    expect(locationLabel({ ownerId: null, path })).toBe('My files / Reports / 2024');
    expect(locationLabel({ ownerId: null, path: [] })).toBe('My files');
  });

  test('nodes shared with me start at Shared with me', () => {
    expect(locationLabel({ ownerId: 'owner', path: [{ id: 'x', name: 'Team' }] })).toBe(
      'Shared with me / Team',
    );
    expect(locationLabel({ ownerId: 'owner', path: [] })).toBe('Shared with me');
  });
});

describe('where opening a hit goes', () => {
  test('a file opens its folder with the file highlighted', () => {
    expect(openTarget({ node: node('file'), location: { ownerId: null, path } })).toBe(
      '/folders/b?highlight=n1',
    );
    expect(openTarget({ node: node('file'), location: { ownerId: 'o', path } })).toBe(
      '/folders/b?highlight=n1',
    );
  });

  test('a file in my root opens My files', () => {
    expect(openTarget({ node: node('file'), location: { ownerId: null, path: [] } })).toBe('/?highlight=n1');
  });

  test('a folder opens itself, wherever it is', () => {
    expect(openTarget({ node: node('folder', 'f9'), location: { ownerId: null, path } })).toBe('/folders/f9');
    expect(openTarget({ node: node('folder', 'f9'), location: { ownerId: 'o', path: [] } })).toBe(
      '/folders/f9',
    );
  });

  test('a file shared with me on its own has no folder to open', () => {
    expect(openTarget({ node: node('file'), location: { ownerId: 'o', path: [] } })).toBeNull();
  });

  test('the folder that holds a folder hit highlights it there', () => {
    expect(containerLink({ node: node('folder', 'f9'), location: { ownerId: null, path } })).toBe(
      '/folders/b?highlight=f9',
    );
    expect(containerLink({ node: node('folder', 'f9'), location: { ownerId: 'o', path: [] } })).toBeNull();
  });
});
