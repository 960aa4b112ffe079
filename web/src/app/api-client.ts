import { client } from '../api/client.gen';

/**
 * The generated client talks to the API on this origin with the session cookie (HttpOnly, set by
 * the server at sign-in). The token the server also returns is never stored.
 */
client.setConfig({ baseUrl: '', credentials: 'same-origin' });

/** An API error in the server's `{error:{code,message}}` shape, with the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Result<T> = { data?: T; error?: unknown; response?: Response };

/** Awaits a generated SDK call and gives its data, or throws an ApiError. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch {
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection.');
  }
  const status = result.response?.status ?? 0;
  if (result.response?.ok) return result.data as T;
  const body = result.error as { error?: { code?: string; message?: string } } | undefined;
  if (status === 429) {
    throw new ApiError(
      status,
      body?.error?.code ?? 'rate_limited',
      body?.error?.message ?? 'Too many attempts; wait a little and try again.',
    );
  }
  throw new ApiError(
    status,
    body?.error?.code ?? 'http_error',
    body?.error?.message ?? `The server answered ${status || 'nothing'}.`,
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
