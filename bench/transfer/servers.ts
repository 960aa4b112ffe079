/** The two servers a transfer goes to, and which of the API's upload paths it takes. */
import type { ApiHandle } from '../support/api-server.ts';

/**
 * api: the simple upload (one PUT) and the download; session: the resumable upload; zip: the file
 * downloaded as a zip; nginx: nginx; node: the bare Node server (bench/support/bare-node-server.ts);
 * node-parts: the bare Node server given the session's parts as files of their own, as many at a
 * time (each hashed as it passes and flushed; no digest of the whole file).
 */
export type Side = 'api' | 'session' | 'zip' | 'nginx' | 'node' | 'node-parts';

/** The references: not the API. */
export const isReference = (side: Side) => side === 'nginx' || side === 'node' || side === 'node-parts';

export interface Servers {
  api: ApiHandle;
  nginx: { url: string; www: string };
  node: { url: string; www: string };
  /** Where curl leaves the answer to an upload. */
  responseFile: string;
}
