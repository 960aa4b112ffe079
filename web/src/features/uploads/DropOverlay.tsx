import { Center, Overlay, Stack, Text } from '@mantine/core';
import { IconUpload } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { filesFromDrop } from './folder-tree';
import { useUploadActions } from './UploadsProvider';

const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;

/** Files and folders dropped anywhere on the page upload into `folderId`. */
export function DropOverlay({ folderId, folderName }: { folderId: string; folderName: string }) {
  const { upload } = useUploadActions();
  const [over, setOver] = useState(false);

  useEffect(() => {
    let depth = 0;
    const enter = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth++;
      setOver(true);
    };
    const leave = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const over = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    };
    const drop = (event: DragEvent) => {
      if (!carriesFiles(event) || !event.dataTransfer) return;
      event.preventDefault();
      depth = 0;
      setOver(false);
      // Entries must be read during the event, before the DataTransfer goes stale.
      void filesFromDrop(event.dataTransfer).then((picked) => upload(folderId, picked));
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [folderId, upload]);

  if (!over) return null;
  return (
    <Overlay fixed blur={2} zIndex={300} color="var(--mantine-color-body)" backgroundOpacity={0.85}>
      <Center h="100%">
        <Stack align="center" gap="xs" style={{ pointerEvents: 'none' }}>
          <IconUpload size={56} aria-hidden />
          <Text size="xl" fw={700}>
            Drop to upload to {folderName}
          </Text>
        </Stack>
      </Center>
    </Overlay>
  );
}
