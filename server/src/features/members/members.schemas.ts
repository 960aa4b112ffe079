import { Type } from 'typebox';
import { StringEnum } from '../../shared/schemas.ts';
import { Node } from '../nodes/nodes.schemas.ts';

export const MemberRole = StringEnum(['viewer', 'editor'], {
  description:
    'A viewer lists, downloads and zips; an editor also uploads, creates, renames, moves and trashes.',
});

export const Member = Type.Object(
  {
    userId: Type.String({ format: 'uuid' }),
    username: Type.String(),
    role: MemberRole,
    createdAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Member' },
);

export const AddMemberBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 200 }), role: MemberRole },
  { additionalProperties: false },
);

export const ChangeRoleBody = Type.Object({ role: MemberRole }, { additionalProperties: false });

export const MemberParams = Type.Object({
  id: Type.String({ format: 'uuid' }),
  userId: Type.String({ format: 'uuid' }),
});

export const SharedItem = Type.Object(
  {
    node: Node,
    owner: Type.Object({ id: Type.String({ format: 'uuid' }), username: Type.String() }),
    role: MemberRole,
  },
  { title: 'SharedItem' },
);

export function toApiMember(member: {
  userId: string;
  username: string;
  role: 'viewer' | 'editor';
  createdAt: Date;
}) {
  return { ...member, createdAt: member.createdAt.toISOString() };
}
