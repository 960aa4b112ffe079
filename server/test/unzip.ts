import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What `unzip` (a reader we didn't write) finds in the archive: path → content. `dir` holds the file. */
export async function unzipped(dir: string, zip: Buffer): Promise<Map<string, Buffer>> {
  const file = `${dir}/${crypto.randomUUID()}.zip`;
  await writeFile(file, zip);
  const { stdout } = await run('unzip', ['-Z1', file]).catch((error: Error) => {
    throw new Error(
      `This test reads the zip with the unzip program (apt-get install unzip): ${error.message}`,
    );
  });
  const contents = new Map<string, Buffer>();
  for (const name of stdout.split('\n').filter(Boolean)) {
    const { stdout: data } = await run('unzip', ['-p', file, name], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    contents.set(name, data as unknown as Buffer);
  }
  return contents;
}
