import { Button, Group, Text } from '@mantine/core';
import { IconArrowsMove, IconDownload, IconTrash } from '@tabler/icons-react';
import { zipUrl } from './links';

/** What can be done with the selected rows: move, delete, download as one zip. */
export function SelectionToolbar(props: {
  selectedIds: string[];
  onMove: () => void;
  onTrash: () => void;
  onClear: () => void;
}) {
  return (
    <Group gap="xs" role="toolbar" aria-label="Selected items">
      <Text size="sm" fw={600}>
        {props.selectedIds.length} selected
      </Text>
      <Button size="xs" variant="light" leftSection={<IconArrowsMove size={14} />} onClick={props.onMove}>
        Move
      </Button>
      <Button
        size="xs"
        variant="light"
        color="red"
        leftSection={<IconTrash size={14} />}
        onClick={props.onTrash}
      >
        Delete
      </Button>
      <Button
        size="xs"
        variant="light"
        leftSection={<IconDownload size={14} />}
        component="a"
        href={zipUrl(props.selectedIds)}
        download
      >
        Download as zip
      </Button>
      <Button size="xs" variant="subtle" onClick={props.onClear}>
        Clear selection
      </Button>
    </Group>
  );
}
