/**
 * What a script can tell apart by the exit code. Every failure ends the command with one line on
 * standard error and one of these codes.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  notSignedIn: 3,
  notFound: 4,
  quota: 5,
  network: 6,
  conflict: 7,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the command explains in one line. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** The server's error code and HTTP status, when it answered. */
  readonly code: string | undefined;
  readonly status: number | undefined;
  constructor(message: string, exitCode: ExitCode = ExitCode.failed, code?: string, status?: number) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = code;
    this.status = status;
  }
}

export const notFound = (what: string) =>
  new CliError(`${what}: not found`, ExitCode.notFound, 'not_found', 404);
export const notSignedIn = (why = 'not signed in: run `fileshare login <url>`') =>
  new CliError(why, ExitCode.notSignedIn, 'not_authenticated', 401);
export const unreachable = (url: string, cause?: unknown) =>
  new CliError(
    `could not reach ${url}${cause instanceof Error && cause.message ? ` (${cause.message})` : ''}`,
    ExitCode.network,
    'network_error',
  );

/** The exit code for an answer of the server, from its status and error code. */
export function exitCodeOf(status: number, code: string | undefined): ExitCode {
  if (status === 401) return ExitCode.notSignedIn;
  if (status === 404 || status === 410) return ExitCode.notFound;
  if (code === 'quota_exceeded' || status === 507) return ExitCode.quota;
  if (status === 409) return ExitCode.conflict;
  if (status === 0 || status === 502 || status === 503 || status === 504) return ExitCode.network;
  return ExitCode.failed;
}
