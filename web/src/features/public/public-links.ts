/**
 * The plain download addresses of a link. They are links, not fetches, so the browser's download
 * manager streams them; the link's grant cookie (its path is the link's own) goes with them.
 */
const base = (token: string) => `/api/v1/public/${encodeURIComponent(token)}`;

/** The shared file itself. */
export const sharedFileUrl = (token: string) => `${base(token)}/content`;

/** One file of a shared folder. */
export const sharedFolderFileUrl = (token: string, id: string) =>
  `${base(token)}/files/${encodeURIComponent(id)}/content`;

/** The whole shared node as one zip, or the given nodes of it. */
export const sharedZipUrl = (token: string, ids: string[] = []) =>
  `${base(token)}/zip${ids.length ? `?${ids.map((id) => `ids=${encodeURIComponent(id)}`).join('&')}` : ''}`;
