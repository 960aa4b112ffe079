import { abortDropUpload, completeDropUpload, getDropUpload, startDropUpload } from '../../api/sdk.gen';
import { unwrap } from '../../app/api-client';
import { httpTransport, putPart, whenOnlineAgain } from '../uploads/http-transport';
import type { UploadTransport } from '../uploads/upload-transport';

/** Up to this size a dropped file goes in one request; larger ones can be resumed. */
const WHOLE_FILE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The upload queue's way into a file drop: small files whole (`PUT …/files/{name}`), larger ones
 * in resumable sessions through the link. Either goes with the link's grant cookie, whose path is
 * the link's own. A drop stores what it is sent, so nothing is gzipped first.
 */
export function dropTransport(token: string): UploadTransport {
  return {
    compresses: false,
    whole: {
      maxBytes: WHOLE_FILE_MAX_BYTES,
      send: ({ name, body, signal, onProgress }) =>
        putPart(
          {
            url: `/api/v1/public/${encodeURIComponent(token)}/files/${encodeURIComponent(name)}`,
            body,
            onTheApi: true,
            signal,
            onProgress,
          },
          undefined,
        ),
    },
    createSession: ({ name, size, contentType }) =>
      unwrap(startDropUpload({ path: { token }, body: { name, size, contentType } })),
    getSession: (id) => unwrap(getDropUpload({ path: { token, id } })),
    completeSession: async (id) => {
      await unwrap(completeDropUpload({ path: { token, id } }));
    },
    abortSession: async (id) => {
      await unwrap(abortDropUpload({ path: { token, id } }));
    },
    // Parts go as the owner's do: to the API, or to presigned store URLs with their Content-MD5.
    sendPart: httpTransport.sendPart,
    onReconnect: whenOnlineAgain,
  };
}
