/**
 * A local multipart upload's parts are written in place, at their offsets, into one `data` file;
 * a part counts as arrived once its marker file `<number>` exists, written after its bytes were
 * checked and flushed. The marker holds the part's size and its etag, which names the write that
 * stored it: a part sent again gets a new one.
 */
export interface StoredPart {
  size: number;
  etag: string;
}

export const markerText = ({ size, etag }: StoredPart) => `${size} ${etag}`;

/** The part a marker describes, or undefined when it is not a marker (half written, say). */
export function parseMarker(text: string): StoredPart | undefined {
  const [sizeText = '', etag] = text.split(' ');
  const size = Number(sizeText);
  if (sizeText === '' || !Number.isInteger(size) || etag === undefined || etag === '') return undefined;
  return { size, etag };
}
