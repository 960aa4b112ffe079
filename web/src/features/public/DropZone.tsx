import { Button, FileButton, Paper, Stack, Text } from '@mantine/core';
import { IconUpload } from '@tabler/icons-react';
import { type DragEvent, useState } from 'react';
import { filesFromDrop } from '../uploads/folder-tree';

/** Where files are dropped or picked. A dropped folder gives its files, without its tree. */
export function DropZone({ onFiles, disabled }: { onFiles: (files: File[]) => void; disabled?: boolean }) {
  const [over, setOver] = useState(false);
  const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');
  return (
    <Paper
      withBorder
      p="xl"
      radius="md"
      data-testid="drop-zone"
      aria-label="Drop files here"
      role="region"
      style={{
        borderStyle: 'dashed',
        borderWidth: 2,
        borderColor: over ? 'var(--mantine-primary-color-filled)' : undefined,
        background: over ? 'var(--mantine-primary-color-light)' : undefined,
      }}
      onDragEnter={(event) => carriesFiles(event) && setOver(true)}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOver(false);
      }}
      onDragOver={(event) => {
        if (!carriesFiles(event) || disabled) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
      }}
      onDrop={(event) => {
        if (!carriesFiles(event) || disabled) return;
        event.preventDefault();
        setOver(false);
        // Entries must be read during the event, before the DataTransfer goes stale.
        void filesFromDrop(event.dataTransfer).then((picked) => onFiles(picked.map((p) => p.file)));
      }}
    >
      <Stack align="center" gap="xs">
        <IconUpload size={40} aria-hidden />
        <Text fw={600} ta="center">
          Drag files here
        </Text>
        <Text size="sm" c="dimmed">
          or
        </Text>
        <FileButton multiple onChange={onFiles} disabled={disabled}>
          {(props) => (
            <Button {...props} disabled={disabled}>
              Choose files
            </Button>
          )}
        </FileButton>
      </Stack>
    </Paper>
  );
}
