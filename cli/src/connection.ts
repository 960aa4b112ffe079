import { client } from './api/client.gen.ts';
import { CliError, exitCodeOf, unreachable } from './errors.ts';
import type { Account } from './settings.ts';

let authorization: string | undefined;

/**
 * Points the generated client at a server, signing every request with the account's token (none
 * to sign in). A command talks to one server.
 */
export function connect(account: Pick<Account, 'url'> & Partial<Pick<Account, 'token'>>) {
  authorization = account.token === undefined ? undefined : `Bearer ${account.token}`;
  client.setConfig({
    baseUrl: account.url,
    headers: authorization === undefined ? {} : { authorization },
  });
}

export const serverUrl = () => client.getConfig().baseUrl ?? '';

/** The Authorization header, for the API's own part URLs and other requests made by hand. */
export const authorizationHeader = () => authorization;

type Result<T> = { data?: T; error?: unknown; response?: Response };

/** Awaits a generated SDK call and gives its data, or throws a CliError with the server's message. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (error) {
    throw unreachable(serverUrl(), causeOf(error));
  }
  // The generated client answers a failed fetch with no response rather than throwing.
  if (result.response === undefined) throw unreachable(serverUrl(), causeOf(result.error));
  if (result.response.ok) return result.data as T;
  throw refusal(result.response.status, result.error);
}

/** The server's `{error:{code,message}}` answer as a CliError. */
export function refusal(status: number, body: unknown): CliError {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const code = error?.code;
  const message =
    status === 401 && code !== 'invalid_credentials'
      ? 'not signed in (or the credential was revoked): run `fileshare login <url>`'
      : (error?.message ?? `the server answered ${status || 'nothing'}`);
  return new CliError(message, exitCodeOf(status, code), code, status);
}

/** fetch's own "fetch failed" says less than what it wraps (ECONNREFUSED, a DNS failure). */
const causeOf = (error: unknown) =>
  error instanceof Error && error.cause instanceof Error ? error.cause : error;
