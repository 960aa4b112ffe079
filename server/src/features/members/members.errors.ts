import { AppError } from '../../shared/errors.ts';

export const alreadyMember = () =>
  new AppError(409, 'already_member', 'This is already shared with that user; change their role instead.');
export const memberUserNotFound = () => new AppError(404, 'user_not_found', 'No user has that username.');
export const memberNotFound = () => new AppError(404, 'not_found', 'That user is not a member of this.');
export const sharingWithSelf = () =>
  new AppError(400, 'invalid_member', 'You can not share something with yourself.');
export const rootNotShareable = () =>
  new AppError(400, 'invalid_operation', 'The root folder can not be shared; share a folder in it.');
