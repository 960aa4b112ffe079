import { Type } from 'typebox';

/** An error a client is meant to see: a stable code, an HTTP status and a human message. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** Machine-readable specifics (e.g. which parts are missing), sent as `error.details`. */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
    details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.headers = headers;
    this.details = details;
  }
}

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable, snake_case; safe to branch on.' }),
      message: Type.String({ description: 'For people; may change.' }),
      details: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), { description: 'Specifics, for some codes.' }),
      ),
    }),
  },
  { title: 'Error' },
);

export const badRequest = (code: string, message: string) => new AppError(400, code, message);
export const notFound = (message = 'Not found.') => new AppError(404, 'not_found', message);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
