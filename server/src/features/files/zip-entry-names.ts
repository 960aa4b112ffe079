import { alternativeName } from '../../shared/names.ts';

/**
 * Entry names every common extractor (Windows Explorer, 7-Zip, Info-ZIP, macOS Archive Utility)
 * writes where the name says, as a file of that name. A stored name may hold what a zip can't: a
 * backslash (which extractors, and the archiver, take for a folder separator, so `..\..\x` climbs
 * out of the folder), characters Windows refuses, a device name, trailing dots and spaces
 * (Windows drops them), and names differing only in case (one overwrites the other on Windows and
 * macOS). Such a name is changed in the archive, and nowhere else.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are among the refused ones.
const RESERVED_CHARACTERS = /[\u0000-\u001f\u007f<>:"|?*\\]/g;
/** CON, PRN, AUX, NUL, COM0–9 and LPT0–9 (and their superscript-digit forms), with any extension. */
const DEVICE_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]) *(\.|$)/i;
const TRAILING_DOTS_AND_SPACES = /[. ]+$/;

/** One path segment, made safe to extract; it may now equal a sibling's (see {@link safeZipEntries}). */
export function safeSegment(name: string): string {
  let safe = name.replace(RESERVED_CHARACTERS, '_').replace(TRAILING_DOTS_AND_SPACES, '');
  if (DEVICE_NAME.test(safe)) safe = `_${safe}`;
  return safe === '' ? '_' : safe;
}

/** The same key for names a case-insensitive file system takes for one. */
const foldedCase = (name: string) => name.normalize('NFC').toUpperCase().toLowerCase();

/**
 * The entries with safe paths: each segment made safe, and a name taken (whatever its case) in
 * its folder of the archive turned into "name (2)" — the first in path order keeps it. A folder's
 * new name carries over to everything in it. Entries keep their order.
 */
export function safeZipEntries<T extends { path: string }>(entries: T[]): T[] {
  const safePaths = new Map<string, string>();
  const taken = new Map<string, Set<string>>();

  function safePathOf(path: string): string {
    const known = safePaths.get(path);
    if (known !== undefined) return known;
    const slash = path.lastIndexOf('/');
    const parent = slash === -1 ? '' : safePathOf(path.slice(0, slash));
    let names = taken.get(parent);
    if (names === undefined) {
      names = new Set();
      taken.set(parent, names);
    }
    const base = safeSegment(path.slice(slash + 1));
    let name = base;
    for (let n = 2; names.has(foldedCase(name)); n++) name = safeSegment(alternativeName(base, n));
    names.add(foldedCase(name));
    const safe = parent === '' ? name : `${parent}/${name}`;
    safePaths.set(path, safe);
    return safe;
  }

  return entries.map((entry) => ({ ...entry, path: safePathOf(entry.path) }));
}
