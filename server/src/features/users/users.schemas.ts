import { Type } from 'typebox';
import { Nullable } from '../../shared/schemas.ts';

export const Username = Type.String({
  minLength: 3,
  maxLength: 32,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description:
    '3–32 characters: letters, digits, ".", "_" and "-", starting with a letter or digit. Unique, ignoring case.',
});

export const User = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    username: Type.String(),
    isAdmin: Type.Boolean(),
    disabled: Type.Boolean(),
    quotaBytes: Nullable(Type.Integer({ description: 'null means no limit' })),
    usedBytes: Type.Integer({ description: 'Bytes stored, including files in the trash.' }),
    reservedBytes: Type.Integer({
      description: 'Bytes set aside for uploads in progress; they count against the quota.',
    }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { title: 'User' },
);

export const RenameMeBody = Type.Object({ username: Username }, { additionalProperties: false });
