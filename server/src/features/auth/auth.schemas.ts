import { Type } from 'typebox';
import { REGISTRATION_MODES } from '../../config.ts';
import { StringEnum } from '../../shared/schemas.ts';
import { User, Username } from '../users/users.schemas.ts';

export const Password = Type.String({ minLength: 8, maxLength: 1024, description: 'At least 8 characters.' });

export const Credentials = Type.Object(
  { username: Username, password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export const RegisterBody = Type.Object(
  {
    username: Username,
    password: Password,
    invitation: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'The code of an invitation from an administrator; used up by this registration.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Registration = Type.Object({
  mode: StringEnum([...REGISTRATION_MODES], {
    description:
      'Who may register the next account: anyone (open), someone with an invitation (invite) or nobody (closed).',
  }),
});

export const SessionCreated = Type.Object({
  token: Type.String({
    description: 'Send as "Authorization: Bearer <token>". Also set as an HttpOnly cookie.',
  }),
  user: User,
});

export const Session = Type.Object({
  id: Type.String({ format: 'uuid' }),
  current: Type.Boolean(),
  userAgent: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: Password },
  { additionalProperties: false },
);
