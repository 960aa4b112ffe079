import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import {
  type AccessFacts,
  type Actor,
  decide,
  enforce,
  type MemberRole,
  startedBy,
  userActor,
  visibleTo,
} from './access.ts';

// alice's tree: root ─ photos ─ trip ─ beach.jpg, and root ─ notes.txt
const parents: Record<string, string | null> = {
  root: null,
  photos: 'root',
  trip: 'photos',
  'beach.jpg': 'trip',
  'notes.txt': 'root',
};
const node = (id: string) => ({ id, ownerId: 'alice' });

function facts(members: Record<string, Record<string, MemberRole>> = {}): AccessFacts {
  return {
    async lineage(id) {
      const chain: string[] = [];
      for (let at: string | null | undefined = id; at != null; at = parents[at]) chain.push(at);
      return chain;
    },
    async memberships(userId) {
      return new Map(Object.entries(members[userId] ?? {}));
    },
  };
}

const link = (rootId: string, mode: 'link' | 'drop'): Actor => ({
  kind: 'link',
  shareId: 'share-1',
  ownerId: 'alice',
  rootId,
  mode,
});

describe('access', () => {
  it('lets an owner do anything to what is theirs', async () => {
    for (const action of ['read', 'write', 'share', 'drop'] as const)
      expect(await decide(userActor('alice'), node('notes.txt'), action, facts())).toBe('allowed');
  });

  it('hides another user’s things as if they did not exist', async () => {
    expect(await decide(userActor('bob'), node('notes.txt'), 'read', facts())).toBe('hidden');
    expect(await decide(userActor('bob'), node('notes.txt'), 'write', facts())).toBe('hidden');
  });

  it('gives a member what their role allows on the shared folder and everything under it', async () => {
    const shared = facts({ bob: { photos: 'viewer' }, carol: { trip: 'editor' } });
    expect(await decide(userActor('bob'), node('beach.jpg'), 'read', shared)).toBe('allowed');
    expect(await decide(userActor('bob'), node('beach.jpg'), 'write', shared)).toBe('forbidden');
    expect(await decide(userActor('bob'), node('notes.txt'), 'read', shared)).toBe('hidden');
    expect(await decide(userActor('carol'), node('beach.jpg'), 'write', shared)).toBe('allowed');
    expect(await decide(userActor('carol'), node('photos'), 'read', shared)).toBe('hidden');
    expect(await decide(userActor('carol'), node('trip'), 'share', shared)).toBe('forbidden');
  });

  it('takes the stronger of two roles on the way up', async () => {
    const shared = facts({ bob: { photos: 'editor', trip: 'viewer' } });
    expect(await decide(userActor('bob'), node('beach.jpg'), 'write', shared)).toBe('allowed');
  });

  it('lets a link read its subtree and nothing outside it', async () => {
    expect(await decide(link('photos', 'link'), node('beach.jpg'), 'read', facts())).toBe('allowed');
    expect(await decide(link('photos', 'link'), node('beach.jpg'), 'write', facts())).toBe('forbidden');
    expect(await decide(link('photos', 'link'), node('notes.txt'), 'read', facts())).toBe('hidden');
    expect(await decide(link('photos', 'link'), node('root'), 'read', facts())).toBe('hidden');
    const bobs = { id: 'photos', ownerId: 'bob' };
    expect(await decide(link('photos', 'link'), bobs, 'read', facts())).toBe('hidden');
  });

  it('lets a drop add files and see nothing, not even that they exist', async () => {
    expect(await decide(link('trip', 'drop'), node('trip'), 'drop', facts())).toBe('allowed');
    expect(await decide(link('trip', 'drop'), node('beach.jpg'), 'read', facts())).toBe('hidden');
    expect(await decide(link('trip', 'drop'), node('trip'), 'write', facts())).toBe('hidden');
  });

  it('keeps upload sessions and the trash to their owner', () => {
    const session = { ownerId: 'alice' };
    expect(visibleTo(userActor('alice'), session, 'write')).toBe(session);
    expect(visibleTo(userActor('bob'), session, 'read')).toBeUndefined();
    expect(visibleTo(link('root', 'link'), session, 'read')).toBeUndefined();
    expect(visibleTo(userActor('alice'), undefined, 'read')).toBeUndefined();
  });

  it('keeps an upload session to whoever started it, whoever’s tree it goes into', () => {
    const byBob = { ownerId: 'alice', createdBy: 'bob', shareId: null };
    expect(startedBy(userActor('bob'), byBob)).toBe(byBob);
    expect(startedBy(userActor('alice'), byBob)).toBeUndefined();
    const before = { ownerId: 'alice', createdBy: null, shareId: null };
    expect(startedBy(userActor('alice'), before)).toBe(before);
    const dropped = { ownerId: 'alice', createdBy: null, shareId: 'share-1' };
    expect(startedBy(link('trip', 'drop'), dropped)).toBe(dropped);
    expect(startedBy(userActor('alice'), dropped)).toBeUndefined();
    expect(startedBy(link('trip', 'drop'), byBob)).toBeUndefined();
    expect(startedBy(userActor('bob'), undefined)).toBeUndefined();
  });

  it('refuses what is hidden as not found, and what is only visible as forbidden', () => {
    const missing = () => new AppError(404, 'not_found', 'No such thing.');
    expect(() => enforce('allowed', missing)).not.toThrow();
    expect(() => enforce('hidden', missing)).toThrow(
      expect.objectContaining({ status: 404, code: 'not_found' }),
    );
    expect(() => enforce('forbidden', missing)).toThrow(
      expect.objectContaining({ status: 403, code: 'forbidden' }),
    );
  });
});
