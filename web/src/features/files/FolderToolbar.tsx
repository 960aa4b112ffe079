import { Button, FileButton, Group } from '@mantine/core';
import { IconFolderPlus, IconFolderUp, IconShare, IconUpload } from '@tabler/icons-react';
import { useRef } from 'react';
import { filesFromFolderInput } from '../uploads/folder-tree';
import { useUploadActions } from '../uploads/UploadsProvider';

/** A non-standard attribute every current browser supports: the chooser picks a folder, with its tree. */
const PICK_A_FOLDER = { webkitdirectory: '', 'aria-label': 'Upload folder' } as const;

/** What can be added to the open folder (files, a whole folder, a new folder), and sharing it. */
export function FolderToolbar(props: { folderId: string; onNewFolder: () => void; onShare?: () => void }) {
  const { folderId, onNewFolder, onShare } = props;
  const { upload } = useUploadActions();
  // The same folder may be picked again; its input must then report a change again.
  const resetFolderInput = useRef<() => void>(null);
  return (
    <Group gap="xs">
      <FileButton
        multiple
        onChange={(files) =>
          void upload(
            folderId,
            files.map((file) => ({ file, dirs: [] })),
          )
        }
      >
        {(props) => (
          <Button {...props} leftSection={<IconUpload size={16} />}>
            Upload files
          </Button>
        )}
      </FileButton>
      <FileButton
        multiple
        inputProps={PICK_A_FOLDER}
        resetRef={resetFolderInput}
        onChange={(files) => {
          resetFolderInput.current?.();
          void upload(folderId, filesFromFolderInput(files));
        }}
      >
        {(props) => (
          <Button {...props} variant="default" leftSection={<IconFolderUp size={16} />}>
            Upload folder
          </Button>
        )}
      </FileButton>
      <Button variant="default" leftSection={<IconFolderPlus size={16} />} onClick={onNewFolder}>
        New folder
      </Button>
      {onShare && (
        <Button variant="default" leftSection={<IconShare size={16} />} onClick={onShare}>
          Share folder
        </Button>
      )}
    </Group>
  );
}
