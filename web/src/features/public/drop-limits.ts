import { formatBytes } from '../../ui/format';

type Named = { name: string; size: number };

/**
 * Which of the picked files a drop can take: each at most `maxFileBytes`, and no more of them than
 * `room` (null: no limit). The others are answered with the reason, before a byte is sent; the
 * server holds to the same limits whatever this says.
 */
export function admitFiles<F extends Named>(
  files: F[],
  limits: { maxFileBytes: number | null; room: number | null },
): { accepted: F[]; refused: string[] } {
  const { maxFileBytes, room } = limits;
  const accepted: F[] = [];
  const refused: string[] = [];
  for (const file of files) {
    if (maxFileBytes !== null && file.size > maxFileBytes)
      refused.push(`${file.name} is larger than ${formatBytes(maxFileBytes)}.`);
    else if (room !== null && accepted.length >= room)
      refused.push(`${file.name}: this drop takes no more files.`);
    else accepted.push(file);
  }
  return { accepted, refused };
}
