import { AppError } from '../../shared/errors.ts';

export const notAuthenticated = () =>
  new AppError(401, 'not_authenticated', 'Sign in first: send a session token or cookie.');
export const invalidCredentials = () =>
  new AppError(401, 'invalid_credentials', 'The username or password is wrong.');
export const wrongPassword = () => new AppError(403, 'wrong_password', 'The current password is wrong.');
export const accountDisabled = () => new AppError(403, 'account_disabled', 'This account is disabled.');
export const adminOnly = () => new AppError(403, 'forbidden', 'Only an administrator can do this.');
export const crossOrigin = () =>
  new AppError(403, 'cross_origin_request', 'A request authenticated by cookie must come from this site.');
export const sessionNotFound = () => new AppError(404, 'not_found', 'No such session.');
export const registrationClosed = () =>
  new AppError(403, 'registration_closed', 'New accounts can not be registered here; ask an administrator.');
export const invitationRequired = () =>
  new AppError(403, 'invitation_required', 'Registering here needs an invitation from an administrator.');
export const appPasswordNotFound = () => new AppError(404, 'not_found', 'No such app password.');
export const sessionRequired = () =>
  new AppError(
    403,
    'session_required',
    "An app password can't do this: sign in with the account's username and password.",
  );
export const readOnlyAppPassword = () =>
  new AppError(403, 'read_only_app_password', 'This app password may only read, not change anything.');
/** A WebDAV sign-in that failed; the challenge asks the client for a username and app password. */
export const invalidAppPassword = () =>
  new AppError(
    401,
    'invalid_credentials',
    "The username or app password is wrong. WebDAV signs in with an app password, not the account's password.",
    { 'www-authenticate': 'Basic realm="Fileshare", charset="UTF-8"' },
  );
