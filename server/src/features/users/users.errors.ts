import { AppError } from '../../shared/errors.ts';

export const usernameTaken = () => new AppError(409, 'username_taken', 'That username is taken.');
export const userNotFound = () => new AppError(404, 'not_found', 'No such user.');
export const quotaExceeded = () =>
  new AppError(413, 'quota_exceeded', 'This would take you over your storage quota.');
