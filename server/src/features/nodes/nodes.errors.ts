import { AppError } from '../../shared/errors.ts';

export const nodeNotFound = () => new AppError(404, 'not_found', 'No such file or folder.');
export const folderNotFound = () => new AppError(404, 'not_found', 'No such folder.');
export const fileNotFound = () => new AppError(404, 'not_found', 'No such file.');
export const nameTaken = (name: string) =>
  new AppError(409, 'name_taken', `Something named "${name}" is already in that folder.`);
export const moveIntoItself = () =>
  new AppError(400, 'invalid_move', 'A folder can not be moved into itself or one of its subfolders.');
export const rootIsFixed = () =>
  new AppError(400, 'invalid_operation', 'The root folder can not be changed.');
export const notInTrash = () => new AppError(404, 'not_found', 'No such item in the trash.');
export const treeTooDeep = (limit: number) =>
  new AppError(400, 'tree_too_deep', `Folders can be nested at most ${limit} deep.`);
export const sharedNodeIsFixed = () =>
  new AppError(
    403,
    'forbidden',
    'What was shared with you can be renamed, moved or trashed only by its owner; what is in it, you may.',
  );
