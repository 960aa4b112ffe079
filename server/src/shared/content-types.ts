import { format, isTokenValid, isTypeValid, parse } from 'content-type';
import mime from 'mime-types';

const FALLBACK = 'application/octet-stream';
/** Longer than any registered type with its charset; more is not a type anybody means. */
const MAX_LENGTH = 255;

/**
 * A media type as it may go into a response header: a valid `type/subtype`, lower-cased, with a
 * `charset` only when it is a plain token, and no other parameter (they mean nothing to a
 * download, and each is more text a client controls). Undefined when there is no valid type in it.
 */
export function validContentType(declared: string | null | undefined): string | undefined {
  if (declared === null || declared === undefined) return undefined;
  const { type, parameters } = parse(declared);
  if (!isTypeValid(type)) return undefined;
  const charset = parameters.charset?.toLowerCase();
  const valid = format({
    type,
    parameters: charset !== undefined && isTokenValid(charset) ? { charset } : {},
  });
  return valid.length <= MAX_LENGTH ? valid : undefined;
}

/** A MIME type worth keeping: the client's when it said something valid and specific, else one from the name. */
export function contentTypeFor(name: string, declared: string | undefined): string {
  const valid = validContentType(declared);
  if (valid !== undefined && parse(valid).type !== FALLBACK) return valid;
  return mime.lookup(name) || FALLBACK;
}

/** What a download says a stored file is; a value stored before types were checked can't break the header. */
export function servedContentType(stored: string | null): string {
  return validContentType(stored) ?? FALLBACK;
}
