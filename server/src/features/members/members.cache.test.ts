import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../platform/cache/memory.cache.ts';
import type { MemberRole } from '../access/access.ts';
import { createMembershipCache } from './members.cache.ts';

describe('cached memberships', () => {
  it('keeps a user’s roles as a map through the cache until they are forgotten', async () => {
    const memberships = createMembershipCache(createMemoryCache());
    let reads = 0;
    let stored = new Map<string, MemberRole>([['photos', 'editor']]);
    const load = async () => {
      reads += 1;
      return stored;
    };
    expect(await memberships.rolesOf('bob', load)).toEqual(new Map([['photos', 'editor']]));
    stored = new Map([['photos', 'viewer']]);
    expect((await memberships.rolesOf('bob', load)).get('photos')).toBe('editor');
    expect(reads).toBe(1);
    await memberships.forget(['bob']);
    expect((await memberships.rolesOf('bob', load)).get('photos')).toBe('viewer');
    expect(reads).toBe(2);
  });
});
