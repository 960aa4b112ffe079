import { AppError } from '../../shared/errors.ts';

/** Revoked, expired, spent, in the trash or never made: a dead link answers exactly like an unknown one. */
export const shareNotFound = () => new AppError(404, 'share_not_found', 'No such link.');
export const shareLocked = () =>
  new AppError(401, 'share_locked', 'This link is protected by a password: unlock it first.');
export const wrongSharePassword = () =>
  new AppError(401, 'wrong_password', 'That is not the link’s password.');
export const invalidShare = (message: string) => new AppError(400, 'invalid_share', message);
export const fileTooLarge = (maxBytes: number) =>
  new AppError(
    413,
    'file_too_large',
    `This drop takes files of at most ${maxBytes} bytes; nothing was stored.`,
  );
/** The drop's owner has no room left: not the dropper's quota, so not told as one. */
export const dropFull = () =>
  new AppError(507, 'drop_full', 'This drop has no room left for the file; nothing was stored.');
