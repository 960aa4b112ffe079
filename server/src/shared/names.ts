import { badRequest } from './errors.ts';

const MAX_NAME_BYTES = 255;
// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;

/**
 * A file or folder name as it will be stored: NFC-normalised, 1–255 UTF-8 bytes, no slash, NUL or
 * control characters, not "." or "..", not beginning with U+FEFF. Anything else is refused with
 * the reason; what is accepted comes back exactly so from every driver.
 */
export function normaliseNodeName(raw: string): string {
  if (raw.isWellFormed !== undefined && !raw.isWellFormed()) {
    throw badRequest('invalid_name', 'The name contains invalid Unicode (an unpaired surrogate).');
  }
  const name = raw.normalize('NFC');
  if (name.length === 0) throw badRequest('invalid_name', 'The name must not be empty.');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) {
    throw badRequest('invalid_name', `The name must be at most ${MAX_NAME_BYTES} bytes in UTF-8.`);
  }
  if (name.includes('/')) throw badRequest('invalid_name', 'The name must not contain "/".');
  if (CONTROL.test(name))
    throw badRequest('invalid_name', 'The name must not contain NUL or control characters.');
  if (name === '.' || name === '..') throw badRequest('invalid_name', 'The name must not be "." or "..".');
  // Read back from PGlite, a text value loses a leading U+FEFF (its decoder takes it for a byte
  // order mark); refused everywhere, so that a name means the same on every database.
  if (name.startsWith('\uFEFF'))
    throw badRequest('invalid_name', 'The name must not begin with U+FEFF (a byte order mark).');
  return name;
}

/** "report.pdf" → ["report", ".pdf"]; a leading dot ("".bashrc") is part of the stem. */
export function splitExtension(name: string): [stem: string, extension: string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

/** "report.pdf" → "report (2).pdf": the n-th alternative for a name that is taken. */
export function alternativeName(name: string, n: number): string {
  const [stem, extension] = splitExtension(name);
  const suffix = ` (${n})`;
  // Keep the result within the byte limit by shortening the stem, never the extension.
  let shortened = stem;
  while (Buffer.byteLength(shortened + suffix + extension, 'utf8') > MAX_NAME_BYTES) {
    shortened = Array.from(shortened).slice(0, -1).join('');
  }
  return shortened + suffix + extension;
}
