import { Center, Overlay, Stack, Text } from '@mantine/core';
import { useWindowEvent } from '@mantine/hooks';
import { IconUpload } from '@tabler/icons-react';
import { useRef, useState } from 'react';
import { filesFromDrop } from './folder-tree';
import { useUploadActions } from './UploadsProvider';

const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;

/** Files and folders dropped anywhere on the page upload into `folderId`. */
export function DropOverlay({ folderId, folderName }: { folderId: string; folderName: string }) {
  const { upload } = useUploadActions();
  const [over, setOver] = useState(false);
  // Entering a child element enters before the parent is left: count, so the overlay doesn't flicker.
  const depth = useRef(0);

  useWindowEvent('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    depth.current++;
    setOver(true);
  });
  useWindowEvent('dragleave', (event) => {
    if (!carriesFiles(event)) return;
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  });
  useWindowEvent('dragover', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  });
  useWindowEvent('drop', (event) => {
    if (!carriesFiles(event) || !event.dataTransfer) return;
    event.preventDefault();
    depth.current = 0;
    setOver(false);
    // Entries must be read during the event, before the DataTransfer goes stale.
    void filesFromDrop(event.dataTransfer).then((picked) => upload(folderId, picked));
  });

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
