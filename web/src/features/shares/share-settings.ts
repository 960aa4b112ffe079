import type { CreateShareData, ListSharesResponse } from '../../api/types.gen';

export type Share = ListSharesResponse['items'][number];
export type ShareKind = CreateShareData['body']['kind'];

/** What the share form holds: text as typed, empty for “no limit”. */
export type ShareForm = {
  kind: ShareKind;
  password: string;
  /** A `datetime-local` value (the user's local time), or empty for never. */
  expiresAt: string;
  maxDownloads: string;
  /** In MB (powers of 1024, as sizes are shown). */
  maxFileMegabytes: string;
  maxFiles: string;
};

export const emptyShareForm = (kind: ShareKind): ShareForm => ({
  kind,
  password: '',
  expiresAt: '',
  maxDownloads: '',
  maxFileMegabytes: '',
  maxFiles: '',
});

const MiB = 1024 * 1024;

/** A whole number of at least 1, or null for an empty field. */
function count(value: string, label: string): number | null {
  const text = value.trim();
  if (text === '') return null;
  const number = Number(text);
  if (!Number.isInteger(number) || number < 1)
    throw new Error(`${label} must be a whole number of at least 1.`);
  return number;
}

/**
 * The body of `POST /shares` for a form, or an Error saying which field is wrong. Only the
 * settings of the form's kind are sent: a link has no file limits, a drop no download limit.
 */
export function shareBody(nodeId: string, form: ShareForm, now: Date): CreateShareData['body'] {
  const body: CreateShareData['body'] = { nodeId, kind: form.kind };
  if (form.password !== '') body.password = form.password;
  if (form.expiresAt !== '') {
    const expiresAt = new Date(form.expiresAt);
    if (Number.isNaN(expiresAt.getTime())) throw new Error('The expiry is not a date.');
    if (expiresAt <= now) throw new Error('The expiry must be in the future.');
    body.expiresAt = expiresAt.toISOString();
  }
  if (form.kind === 'link') {
    const maxDownloads = count(form.maxDownloads, 'The download limit');
    if (maxDownloads !== null) body.maxDownloads = maxDownloads;
  } else {
    const text = form.maxFileMegabytes.trim();
    if (text !== '') {
      const megabytes = Number(text);
      if (!Number.isFinite(megabytes) || megabytes <= 0)
        throw new Error('The file size limit must be above 0 MB.');
      body.maxFileBytes = Math.max(1, Math.round(megabytes * MiB));
    }
    const maxFiles = count(form.maxFiles, 'The file limit');
    if (maxFiles !== null) body.maxFiles = maxFiles;
  }
  return body;
}

/** A `datetime-local` value for a moment, in the user's time zone (the input has none). */
export function localDateTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const STATUS_LABEL: Record<Share['status'], string> = {
  active: 'Active',
  expired: 'Expired',
  exhausted: 'Used up',
};

export function statusLabel(share: Share): string {
  return STATUS_LABEL[share.status];
}

/** “3 of 10 downloads”, “2 files dropped, at most 5”: how much of a link's allowance is used. */
export function usageLabel(share: Share): string {
  if (share.kind === 'link') {
    const downloads = `${share.downloads} ${share.downloads === 1 ? 'download' : 'downloads'}`;
    return share.maxDownloads === null ? downloads : `${downloads} of ${share.maxDownloads}`;
  }
  const files = `${share.filesDropped} ${share.filesDropped === 1 ? 'file' : 'files'} dropped`;
  return share.maxFiles === null ? files : `${files} of ${share.maxFiles}`;
}
