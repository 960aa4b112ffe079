import { Type } from 'typebox';
import { Nullable } from '../../shared/schemas.ts';

export const CreateInvitationBody = Type.Object(
  {
    validDays: Type.Integer({
      minimum: 1,
      maximum: 365,
      default: 7,
      description: 'How many days the code can be used for.',
    }),
    note: Type.Optional(
      Type.String({ maxLength: 200, description: 'Who it is for, to tell invitations apart.' }),
    ),
  },
  { additionalProperties: false },
);

export const Invitation = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    note: Nullable(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    usedAt: Nullable(Type.String({ format: 'date-time' })),
    usedBy: Nullable(Type.String({ description: 'The username of the account it made.' })),
  },
  { title: 'Invitation' },
);

export const InvitationCreated = Type.Object({
  invitation: Invitation,
  code: Type.String({
    description: 'Give this to the person invited. It is shown only now: the server keeps only its hash.',
  }),
});
