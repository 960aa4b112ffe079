/** Types that gzip well; everything else (images, video, archives…) is sent as it is. */
const TEXT_LIKE =
  /^(text\/|application\/(json|xml|javascript|ecmascript|x-ndjson|x-sh|x-yaml|yaml|toml|sql|graphql|ld\+json|x-tex|rtf|csv)|image\/svg\+xml)/;
const TEXT_EXTENSIONS =
  /\.(txt|md|csv|tsv|json|ndjson|xml|html?|css|js|mjs|ts|tsx|jsx|svg|log|ya?ml|toml|ini|sql|sh|py|rb|go|rs|java|c|h|cpp|tex)$/i;

/** Above this, compressing in memory first is not worth the wait and the RAM. */
const MAX_COMPRESS_BYTES = 512 * 1024 * 1024;

export function isCompressible(file: File): boolean {
  if (typeof CompressionStream === 'undefined') return false;
  if (file.size < 1024 || file.size > MAX_COMPRESS_BYTES) return false;
  return (
    TEXT_LIKE.test(file.type) ||
    (!file.type && TEXT_EXTENSIONS.test(file.name)) ||
    TEXT_EXTENSIONS.test(file.name)
  );
}

/** The gzip of the file, when it is smaller; null when it isn't worth it. */
export async function gzipIfSmaller(file: File): Promise<Blob | null> {
  if (!isCompressible(file)) return null;
  const compressed = await new Response(file.stream().pipeThrough(new CompressionStream('gzip'))).blob();
  return compressed.size < file.size ? compressed : null;
}
