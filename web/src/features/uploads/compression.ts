/** Types that gzip well; everything else (images, video, archives…) is sent as it is. */
const TEXT_LIKE =
  /^(text\/|application\/(json|xml|javascript|ecmascript|x-ndjson|x-sh|x-yaml|yaml|toml|sql|graphql|ld\+json|x-tex|rtf|csv)|image\/svg\+xml)/;
const TEXT_EXTENSIONS =
  /\.(txt|md|csv|tsv|json|ndjson|xml|html?|css|js|mjs|ts|tsx|jsx|svg|log|ya?ml|toml|ini|sql|sh|py|rb|go|rs|java|c|h|cpp|tex)$/i;

/** Above this, compressing in memory first is not worth the wait and the RAM. */
const MAX_COMPRESS_BYTES = 512 * 1024 * 1024;
/** Larger files are tried on a sample first: this much from their start, middle and end. */
const SAMPLE_BYTES = 128 * 1024;
/** The sample must shrink at least this much for the whole file to be compressed. */
const SAMPLE_MAX_RATIO = 0.9;

export function isCompressible(file: File): boolean {
  if (typeof CompressionStream === 'undefined') return false;
  if (file.size < 1024 || file.size > MAX_COMPRESS_BYTES) return false;
  return (
    TEXT_LIKE.test(file.type) ||
    (!file.type && TEXT_EXTENSIONS.test(file.name)) ||
    TEXT_EXTENSIONS.test(file.name)
  );
}

/** The size of `blob` gzipped, counted as it streams by. */
async function gzippedSize(blob: Blob): Promise<number> {
  const reader = blob.stream().pipeThrough(new CompressionStream('gzip')).getReader();
  let size = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
    size += chunk.value.byteLength;
  return size;
}

/**
 * Whether a sample of the file gzips well. A text-like name or type does not make the content
 * compressible (a `.log` of random bytes, an already gzipped `.json`); this finds out in a few
 * milliseconds instead of compressing hundreds of MiB for nothing.
 */
async function sampleShrinks(file: File): Promise<boolean> {
  if (file.size <= 3 * SAMPLE_BYTES) return true;
  const middle = Math.floor((file.size - SAMPLE_BYTES) / 2);
  const sample = new Blob([
    file.slice(0, SAMPLE_BYTES),
    file.slice(middle, middle + SAMPLE_BYTES),
    file.slice(file.size - SAMPLE_BYTES),
  ]);
  return (await gzippedSize(sample)) <= sample.size * SAMPLE_MAX_RATIO;
}

/** The gzip of the file, when it is smaller; null when it isn't worth it. */
export async function gzipIfSmaller(file: File): Promise<Blob | null> {
  if (!isCompressible(file) || !(await sampleShrinks(file))) return null;
  const compressed = await new Response(file.stream().pipeThrough(new CompressionStream('gzip'))).blob();
  return compressed.size < file.size ? compressed : null;
}
