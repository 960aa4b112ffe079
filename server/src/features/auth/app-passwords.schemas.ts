import { Type } from 'typebox';
import { Nullable, StringEnum } from '../../shared/schemas.ts';
import { APP_PASSWORD_SCOPES } from './app-passwords.table.ts';

const Scope = StringEnum([...APP_PASSWORD_SCOPES], {
  description:
    'read: only GET and HEAD (and WebDAV reads); read-write: everything a user may do but manage the account.',
});

export const CreateAppPasswordBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '\\S',
      description: 'What it is for, e.g. "Laptop WebDAV".',
    }),
    scope: Scope,
  },
  { additionalProperties: false },
);

export const AppPassword = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  scope: Scope,
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  lastAddress: Nullable(Type.String({ description: 'The client address of the last use.' })),
});

export const AppPasswordCreated = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  scope: Scope,
  createdAt: Type.String({ format: 'date-time' }),
  password: Type.String({
    description:
      'Shown only now. Send as "Authorization: Bearer <password>" or as the password of HTTP Basic for WebDAV.',
  }),
});
