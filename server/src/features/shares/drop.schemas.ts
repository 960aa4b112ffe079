import { Type } from 'typebox';
import { ByteCount } from '../../shared/schemas.ts';
import { CreateUploadBody, UploadSession } from '../uploads/uploads.schemas.ts';

/** What a drop answers for a file it took: the name it was stored under, and nothing of the folder. */
export const DroppedFile = Type.Object(
  {
    name: Type.String({
      description: 'The name the file was stored under: "name (2)" when the name was taken.',
    }),
    size: ByteCount(),
  },
  { title: 'DroppedFile' },
);

/** The owner's session body without the folder (the drop's), the conflict policy (always rename) or gzip. */
export const CreateDropUploadBody = Type.Omit(
  CreateUploadBody,
  ['parentId', 'onConflict', 'encoding', 'storedSize'],
  { additionalProperties: false },
);

/** A session as its dropper sees it: nothing about the folder or the file it becomes. */
export const DropUploadSession = Type.Omit(UploadSession, ['parentId', 'nodeId', 'onConflict', 'encoding'], {
  title: 'DropUploadSession',
});
