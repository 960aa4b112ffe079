import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Hashes bytes `start` to `end` (exclusive) of a file as they stream by. */
export async function hashRange(
  filePath: string,
  algorithms: string[],
  start = 0,
  end?: number,
): Promise<Buffer[]> {
  const hashes = algorithms.map((algorithm) => createHash(algorithm));
  if (end === undefined || end > start) {
    const stream = createReadStream(filePath, { start, end: end === undefined ? undefined : end - 1 });
    for await (const chunk of stream) for (const hash of hashes) hash.update(chunk as Buffer);
  }
  return hashes.map((hash) => hash.digest());
}

/** The hex SHA-256 of a whole file, which the server checks before the file appears. */
export async function fileSha256(filePath: string): Promise<string> {
  const [digest] = await hashRange(filePath, ['sha256']);
  return (digest as Buffer).toString('hex');
}
