import type { FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { ByteRange } from './blob-store.ts';

const COPY_BUFFER = 1024 * 1024;

/** Copies that finished give their buffers back here, for the next copy; a few are kept, no more. */
const spareBuffers: Buffer[] = [];
const SPARE_BUFFERS = 4;

/**
 * A buffer of COPY_BUFFER bytes, or of `size` when that is less (a small file gets a small one, and
 * it is not kept). A copy's buffers live outside V8's heap; made anew for every copy, they pile up
 * until a full garbage collection frees them: many copies in a row (a session's parts read back one
 * copy each, when the main thread did that) ran one every few hundred milliseconds.
 */
function takeBuffer(size: number): Buffer {
  if (size < COPY_BUFFER) return Buffer.allocUnsafe(Math.max(size, 1));
  return spareBuffers.pop() ?? Buffer.allocUnsafe(COPY_BUFFER);
}

function giveBack(buffers: Buffer[]) {
  for (const buffer of buffers) {
    if (buffer.length === COPY_BUFFER && spareBuffers.length < SPARE_BUFFERS) spareBuffers.push(buffer);
  }
}

/**
 * Copies a file (or a range of it) to `destination` through two buffers used in turn: one is read
 * into while the other is being written, and a buffer is reused only once its write completed.
 * A stream would allocate a new buffer for every read; at disk speed that garbage costs more CPU
 * than the copying. The buffers go back to a small pool once every write of them completed; a
 * copy that failed keeps them (a write may still hold one).
 */
export async function copyFromFile(handle: FileHandle, range: ByteRange | undefined, destination: Writable) {
  const end = range === undefined ? (await handle.stat()).size : range.end + 1;
  let position = range?.start ?? 0;
  const buffers = [takeBuffer(end - position), takeBuffer(end - position - COPY_BUFFER)];
  const writes: (Promise<void> | undefined)[] = [undefined, undefined];
  for (let turn = 0; position < end; turn ^= 1) {
    await writes[turn];
    const buffer = buffers[turn] as Buffer;
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position);
    if (bytesRead === 0) throw new Error('the blob is shorter than expected');
    position += bytesRead;
    if (destination.destroyed) throw new Error('the destination closed');
    const write = new Promise<void>((resolve, reject) => {
      destination.write(buffer.subarray(0, bytesRead), (error) => (error ? reject(error) : resolve()));
    });
    // Awaited below, or not at all when another step fails first; either way it is handled.
    write.catch(() => {});
    writes[turn] = write;
    // Don't run ahead of a slow client: wait for it to drain before reading more than one buffer ahead.
    if (destination.writableNeedDrain) await drained(destination);
  }
  await Promise.all(writes);
  giveBack(buffers);
}

function drained(destination: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      destination.off('drain', onDrain).off('close', onClose).off('error', done);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('the destination closed'));
    destination.on('drain', onDrain).on('close', onClose).on('error', done);
  });
}
