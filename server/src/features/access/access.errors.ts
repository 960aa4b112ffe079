import { AppError } from '../../shared/errors.ts';

export const forbidden = (message = 'You may see this but not change it.') =>
  new AppError(403, 'forbidden', message);
