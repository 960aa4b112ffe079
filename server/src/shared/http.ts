import { Type } from 'typebox';
import { ErrorBody } from './errors.ts';

/** The error responses a route can give, for its OpenAPI description. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, ErrorBody]));
}

export const NoContent = Type.Null({ description: 'No content' });
export const Uuid = Type.String({ format: 'uuid' });
export const IdParams = Type.Object({ id: Uuid });
