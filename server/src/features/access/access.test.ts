import { describe, expect, it } from 'vitest';
import { decide, userActor, visibleTo } from './access.ts';

describe('access', () => {
  const alice = userActor('alice-id');
  const bob = userActor('bob-id');
  const file = { ownerId: 'alice-id', name: 'notes.txt' };

  it('lets an owner read and change what is theirs', () => {
    expect(decide(alice, file, 'read')).toBe('allowed');
    expect(decide(alice, file, 'write')).toBe('allowed');
    expect(visibleTo(alice, file, 'write')).toBe(file);
  });

  it('hides another user’s things as if they did not exist', () => {
    expect(decide(bob, file, 'read')).toBe('hidden');
    expect(decide(bob, file, 'write')).toBe('hidden');
    expect(visibleTo(bob, file, 'read')).toBeUndefined();
    expect(visibleTo(alice, undefined, 'read')).toBeUndefined();
  });
});
