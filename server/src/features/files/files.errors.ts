import { AppError } from '../../shared/errors.ts';

export const sizeMismatch = (declared: number, received: number) =>
  new AppError(400, 'size_mismatch', `The body was ${received} bytes but ${declared} were declared.`);
export const checksumMismatch = () =>
  new AppError(400, 'checksum_mismatch', 'The body does not match the SHA-256 the request declared.');
export const invalidChecksum = () =>
  new AppError(
    400,
    'invalid_checksum',
    'Send the SHA-256 as 64 hex digits (X-Content-SHA256) or Content-Digest: sha-256=:base64:.',
  );
export const uploadInterrupted = () =>
  new AppError(
    400,
    'upload_interrupted',
    'The connection broke before the whole body arrived; nothing was stored.',
  );
export const storageFull = () =>
  new AppError(507, 'storage_full', 'The server has no room left for this file; nothing was stored.');
export const blobMissing = () =>
  new AppError(500, 'blob_missing', 'The contents of this file are missing from storage.');
