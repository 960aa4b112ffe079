import { AppError } from '../../shared/errors.ts';

export const invitationNotFound = () => new AppError(404, 'not_found', 'No such invitation.');
export const invalidInvitation = () =>
  new AppError(403, 'invalid_invitation', 'This invitation is unknown, already used, expired or revoked.');
