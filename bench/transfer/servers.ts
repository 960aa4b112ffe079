/** The two servers a transfer goes to, and which of the API's upload paths it takes. */
import type { ApiHandle } from '../support/api-server.ts';

/**
 * api: the simple upload (one PUT) and the download; session: the resumable upload; zip: the file
 * downloaded as a zip; nginx: nginx; node: the bare Node server (bench/support/bare-node-server.ts).
 */
export type Side = 'api' | 'session' | 'zip' | 'nginx' | 'node';

/** The references: not the API. */
export const isReference = (side: Side) => side === 'nginx' || side === 'node';

export interface Servers {
  api: ApiHandle;
  nginx: { url: string; www: string };
  node: { url: string; www: string };
  /** Where curl leaves the answer to an upload. */
  responseFile: string;
}
