/** A file's bytes, as a plain link: the browser's own download manager fetches it. */
export const downloadUrl = (id: string) => `/api/v1/files/${encodeURIComponent(id)}/content`;

/** Files and folders as one zip, also a plain link, so the zip streams into the download manager. */
export const zipUrl = (ids: string[]) =>
  `/api/v1/zip?${ids.map((id) => `ids=${encodeURIComponent(id)}`).join('&')}`;
