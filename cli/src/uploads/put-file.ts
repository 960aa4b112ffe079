import type { ListUploadsResponse } from '../api/index.ts';
import { abortUpload, completeUpload, createUpload, getUpload, listUploads } from '../api/sdk.gen.ts';
import { serverUrl, unwrap } from '../connection.ts';
import { CliError, ExitCode } from '../errors.ts';
import type { RemoteNode } from '../remote-paths.ts';
import { digestFile } from './file-digests.ts';
import { fileSha256 } from './file-hash.ts';
import { putWhole, WHOLE_FILE_LIMIT } from './put-whole.ts';
import { missingParts, partAlgorithm, sendMissingParts, type UploadSession } from './send-parts.ts';
import { forgetUploadState, type LocalFile, readUploadState, saveUploadState } from './upload-state.ts';

export type OnConflict = 'fail' | 'rename' | 'replace';
export type OpenSession = ListUploadsResponse['uploads'][number];

export interface PutResult {
  local: string;
  name: string;
  /** uploaded; resumed (a session of an earlier run continued); unchanged (the same bytes were there). */
  outcome: 'uploaded' | 'resumed' | 'unchanged';
  node: RemoteNode;
  partsSent: number;
  partCount: number;
}

export interface PutProgress {
  /** The file's bytes are being hashed before anything is sent (a small file, or maybe the same bytes). */
  onHashing?: () => void;
  onStart?: (size: number, session: UploadSession, resumed: boolean) => void;
  onSent?: (bytes: number) => void;
  onPart?: (number: number, session: UploadSession) => void;
}

interface PutTarget {
  file: LocalFile;
  folder: RemoteNode;
  name: string;
  onConflict: OnConflict;
  /** What the folder holds under that name now, if anything. */
  existing: RemoteNode | undefined;
  /** My open upload sessions, as listed when the command started. */
  openSessions: OpenSession[];
  progress?: PutProgress;
}

/**
 * Uploads one local file into a folder as `name`: a small one in one request, a large one through
 * an upload session, resuming the session an earlier run left (its saved state, or an open session
 * of the same folder, name and size) and sending only the parts it lacks. A large file is read
 * once for its digests while its parts go (its SHA-256 is declared when the session completes),
 * and once more as the parts are sent.
 */
export async function putFile(target: PutTarget): Promise<PutResult> {
  const { file, existing } = target;
  const progress = target.progress ?? {};
  if (file.size <= WHOLE_FILE_LIMIT) {
    progress.onHashing?.();
    const sha256 = await fileSha256(file.path);
    const settled = alreadySettled(target, sha256);
    if (settled !== undefined) return settled;
    const node = await putWhole({ ...target, path: file.path, sha256 });
    progress.onSent?.(file.size);
    return { local: file.path, name: node.name, outcome: 'uploaded', node, partsSent: 1, partCount: 1 };
  }

  const state = await readUploadState(file);
  const savedId = state.server === serverUrl() ? state.sessionId : undefined;
  // Only a file of this size already there must be hashed first: it may hold these very bytes.
  let known: string | undefined;
  if (existing?.kind === 'file' && existing.size === file.size && existing.sha256) {
    progress.onHashing?.();
    known = await fileSha256(file.path);
  }
  const fits = (session: OpenSession) =>
    session.status === 'open' &&
    session.parentId === target.folder.id &&
    session.name === target.name &&
    session.size === file.size &&
    session.storedSize === file.size &&
    session.encoding === 'identity' &&
    (session.sha256 === null || session.sha256 === known);
  let session = await reopenSession(savedId, target.openSessions, fits);
  const resumed = session !== null;
  if (session === null) {
    const settled = alreadySettled(target, known);
    if (settled !== undefined) {
      await forgetUploadState(file);
      return settled;
    }
    session = await unwrap(
      createUpload({
        body: {
          parentId: target.folder.id,
          name: target.name,
          size: file.size,
          onConflict: target.onConflict,
          ...(known === undefined ? {} : { sha256: known }),
        },
      }),
    );
    await saveUploadState(file, { server: serverUrl(), sessionId: session.id });
  }
  try {
    return await sendAndComplete(file, session, resumed, progress);
  } catch (error) {
    // The session resumed held another file's parts (same name and size, its state lost): the
    // server checked the SHA-256 and discarded it; this file goes again in a session of its own.
    if (resumed && error instanceof CliError && error.code === 'content_mismatch')
      return putFile({ ...target, openSessions: [] });
    throw error;
  }
}

/** Sends the parts a session lacks while the file is hashed, then completes it with the SHA-256. */
async function sendAndComplete(
  file: LocalFile,
  session: UploadSession,
  resumed: boolean,
  progress: PutProgress,
): Promise<PutResult> {
  progress.onStart?.(file.size, session, resumed);
  const digests = digestFile({
    filePath: file.path,
    size: file.size,
    partSize: session.partSize,
    partAlgorithm: partAlgorithm(session),
    parts: missingParts(session),
  });
  try {
    const partsSent = await sendMissingParts({
      filePath: file.path,
      session,
      checksumOf: (number) => digests.part(number),
      onSent: (bytes) => progress.onSent?.(bytes),
      onPart: (number) => progress.onPart?.(number, session),
    });
    const sha256 = await digests.sha256;
    const node = await unwrap(completeUpload({ path: { id: session.id }, body: { sha256 } }));
    await forgetUploadState(file);
    return {
      local: file.path,
      name: node.name,
      outcome: resumed ? 'resumed' : 'uploaded',
      node,
      partsSent,
      partCount: session.partCount,
    };
  } finally {
    await digests.stop();
  }
}

/**
 * Before anything is sent: the same bytes already there under the name (unchanged), or a name
 * taken that must not be (fails). `sha256` undefined: not known, so not the same bytes.
 */
function alreadySettled(target: PutTarget, sha256: string | undefined): PutResult | undefined {
  const { existing, file } = target;
  if (
    sha256 !== undefined &&
    existing?.kind === 'file' &&
    existing.size === file.size &&
    existing.sha256 === sha256
  )
    return {
      local: file.path,
      name: existing.name,
      outcome: 'unchanged',
      node: existing,
      partsSent: 0,
      partCount: 0,
    };
  if (existing !== undefined && target.onConflict === 'fail')
    throw new CliError(
      `${target.name}: already exists (use --on-conflict rename or replace)`,
      ExitCode.conflict,
      'name_taken',
      409,
    );
  return undefined;
}

/**
 * The open session to continue: the one this file's saved state names, else one for the same
 * folder, name and size (a run whose state was lost) that declared no other SHA-256. A saved
 * session that no longer fits is aborted, so its reservation is given back.
 */
async function reopenSession(
  savedId: string | undefined,
  openSessions: OpenSession[],
  fits: (session: OpenSession) => boolean,
): Promise<UploadSession | null> {
  if (savedId !== undefined) {
    try {
      const saved = await unwrap(getUpload({ path: { id: savedId } }));
      if (fits(saved)) return saved;
      if (saved.status === 'open') await unwrap(abortUpload({ path: { id: savedId } })).catch(() => {});
    } catch (error) {
      if (!(error instanceof CliError && error.exitCode === ExitCode.notFound)) throw error;
    }
  }
  const match = openSessions.find(fits);
  if (match === undefined) return null;
  // Claimed: another file of this run must not take it too.
  openSessions.splice(openSessions.indexOf(match), 1);
  return unwrap(getUpload({ path: { id: match.id } }));
}

/** My open sessions, to find the ones an earlier run left. */
export const listOpenSessions = async (): Promise<OpenSession[]> => (await unwrap(listUploads())).uploads;
