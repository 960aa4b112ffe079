import type { ListUploadsResponse } from '../api/index.ts';
import { abortUpload, completeUpload, createUpload, getUpload, listUploads } from '../api/sdk.gen.ts';
import { serverUrl, unwrap } from '../connection.ts';
import { CliError, ExitCode } from '../errors.ts';
import type { RemoteNode } from '../remote-paths.ts';
import { fileSha256 } from './file-hash.ts';
import { putWhole, WHOLE_FILE_LIMIT } from './put-whole.ts';
import { sendMissingParts, type UploadSession } from './send-parts.ts';
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
  /** The file's bytes are being hashed (before anything is sent). */
  onHashing?: () => void;
  onStart?: (size: number, session: UploadSession, resumed: boolean) => void;
  onSent?: (bytes: number) => void;
  onPart?: (number: number, session: UploadSession) => void;
}

/**
 * Uploads one local file into a folder as `name` through an upload session, resuming the session
 * an earlier run left (its saved state, or an open session of the same name, size and SHA-256)
 * and sending only the parts it lacks.
 */
export async function putFile(target: {
  file: LocalFile;
  folder: RemoteNode;
  name: string;
  onConflict: OnConflict;
  /** What the folder holds under that name now, if anything. */
  existing: RemoteNode | undefined;
  /** My open upload sessions, as listed when the command started. */
  openSessions: OpenSession[];
  progress?: PutProgress;
}): Promise<PutResult> {
  const { file, folder, name, onConflict, existing } = target;
  const progress = target.progress ?? {};
  const whole = file.size <= WHOLE_FILE_LIMIT;
  const state = whole ? {} : await readUploadState(file);
  const sameServer = state.server === serverUrl();
  progress.onHashing?.();
  const sha256 = sameServer && state.sha256 ? state.sha256 : await fileSha256(file.path);
  if (!whole)
    await saveUploadState(file, {
      server: serverUrl(),
      sha256,
      sessionId: sameServer ? state.sessionId : undefined,
    });

  const fits = (session: OpenSession) =>
    session.status === 'open' &&
    session.parentId === folder.id &&
    session.name === name &&
    session.size === file.size &&
    session.storedSize === file.size &&
    session.encoding === 'identity' &&
    session.sha256 === sha256;
  let session = whole
    ? null
    : await reopenSession(sameServer ? state.sessionId : undefined, target.openSessions, fits);
  const resumed = session !== null;
  if (session === null) {
    if (existing?.kind === 'file' && existing.size === file.size && existing.sha256 === sha256) {
      await forgetUploadState(file);
      return {
        local: file.path,
        name: existing.name,
        outcome: 'unchanged',
        node: existing,
        partsSent: 0,
        partCount: 0,
      };
    }
    if (existing !== undefined && onConflict === 'fail')
      throw new CliError(
        `${name}: already exists (use --on-conflict rename or replace)`,
        ExitCode.conflict,
        'name_taken',
        409,
      );
    if (whole) {
      const node = await putWhole({ path: file.path, folder, name, onConflict, sha256 });
      progress.onSent?.(file.size);
      return { local: file.path, name: node.name, outcome: 'uploaded', node, partsSent: 1, partCount: 1 };
    }
    session = await unwrap(
      createUpload({ body: { parentId: folder.id, name, size: file.size, sha256, onConflict } }),
    );
    await saveUploadState(file, { server: serverUrl(), sha256, sessionId: session.id });
  }
  const current = session;
  progress.onStart?.(file.size, current, resumed);
  const partsSent = await sendMissingParts({
    filePath: file.path,
    session: current,
    onSent: (bytes) => progress.onSent?.(bytes),
    onPart: (number) => progress.onPart?.(number, current),
  });
  const node = await unwrap(completeUpload({ path: { id: current.id } }));
  await forgetUploadState(file);
  return {
    local: file.path,
    name: node.name,
    outcome: resumed ? 'resumed' : 'uploaded',
    node,
    partsSent,
    partCount: current.partCount,
  };
}

/**
 * The open session to continue: the one this file's saved state names, else one for the same
 * folder, name, size and SHA-256 (a run whose state was lost). A saved session that no longer
 * fits is aborted, so its reservation is given back.
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
