import { AppError } from '../../shared/errors.ts';

export const davNotAuthenticated = () =>
  new AppError(401, 'not_authenticated', 'Sign in with your username and password (HTTP Basic).', {
    'www-authenticate': 'Basic realm="Fileshare", charset="UTF-8"',
  });
export const davReadOnly = () =>
  new AppError(403, 'read_only_app_password', 'This app password may only read.');
export const davNotFound = () => new AppError(404, 'not_found', 'Nothing is at this path.');
export const invalidPath = () =>
  new AppError(400, 'invalid_path', 'The path is not a valid sequence of names.');
export const parentMissing = () =>
  new AppError(409, 'conflict', 'The folder this path is in does not exist.');
export const alreadyExists = () =>
  new AppError(405, 'method_not_allowed', 'Something is already at this path.', {
    allow: 'OPTIONS, PROPFIND',
  });
export const notAFile = () =>
  new AppError(405, 'method_not_allowed', 'This path is a folder.', {
    allow: 'OPTIONS, PROPFIND, PROPPATCH, MKCOL, DELETE, COPY, MOVE, LOCK, UNLOCK',
  });
export const bodyNotSupported = () => new AppError(415, 'unsupported_media_type', 'MKCOL takes no body.');
export const invalidXml = (why: string) => new AppError(400, 'invalid_xml', `The request body: ${why}`);
export const bodyTooLarge = () => new AppError(413, 'body_too_large', 'The XML body is too large.');
export const rootIsFixed = () => new AppError(403, 'forbidden', 'The root folder can not be changed.');
export const badDestination = () =>
  new AppError(400, 'invalid_destination', 'Destination must be a URL under /dav/ on this server.');
export const otherServer = () => new AppError(502, 'bad_gateway', 'Destination is not on this server.');
export const sameResource = () =>
  new AppError(403, 'forbidden', 'The source and the destination are the same.');
export const destinationExists = () =>
  new AppError(412, 'precondition_failed', 'Something is at the destination and Overwrite is F.');
export const invalidDepth = () => new AppError(400, 'invalid_depth', 'Depth must be 0, 1 or infinity.');
export const davLocked = () => new AppError(423, 'locked', 'The resource is locked.');
export const ifFailed = () =>
  new AppError(412, 'precondition_failed', 'The If header does not match the resource.');
export const invalidIf = () => new AppError(400, 'invalid_if_header', 'The If header could not be read.');
export const lockNotFound = () => new AppError(409, 'conflict', 'No such lock is on this resource.');
export const invalidLockInfo = (why: string) => new AppError(400, 'invalid_xml', `The LOCK body: ${why}`);
