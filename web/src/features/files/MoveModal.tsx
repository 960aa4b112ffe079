import {
  Alert,
  Breadcrumbs,
  Button,
  Group,
  Loader,
  Modal,
  NavLink,
  ScrollArea,
  Stack,
  Text,
} from '@mantine/core';
import { IconFolderFilled } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { getFolder } from '../../api/sdk.gen';
import { unwrap } from '../../app/api-client';
import { useModalAction } from '../../ui/use-modal-action';

type Crumb = { id: string; name: string };

/** A folder picker: browse down from the root and move the chosen nodes into the open folder. */
export function MoveModal(props: {
  opened: boolean;
  count: number;
  excludeIds: string[];
  onClose: () => void;
  onMove: (parentId: string) => Promise<unknown>;
}) {
  const { opened, onClose, onMove, excludeIds } = props;
  const [path, setPath] = useState<Crumb[]>([{ id: 'root', name: 'My files' }]);
  const { error, setError, busy, run } = useModalAction(onClose);
  const current = path[path.length - 1] as Crumb;

  useEffect(() => {
    if (opened) {
      setPath([{ id: 'root', name: 'My files' }]);
      setError(null);
    }
  }, [opened, setError]);

  const folder = useQuery({
    queryKey: ['folder-picker', current.id],
    enabled: opened,
    queryFn: () =>
      unwrap(getFolder({ path: { id: current.id }, query: { limit: 1000, sort: 'name', order: 'asc' } })),
  });
  const subfolders =
    folder.data?.children.filter((child) => child.kind === 'folder' && !excludeIds.includes(child.id)) ?? [];

  const move = () => run(() => onMove(current.id));

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={`Move ${props.count} item${props.count === 1 ? '' : 's'}`}
    >
      <Stack>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Breadcrumbs separatorMargin={4} style={{ flexWrap: 'wrap' }}>
          {path.map((crumb, index) => (
            <Button
              key={crumb.id}
              size="compact-sm"
              variant="subtle"
              onClick={() => setPath(path.slice(0, index + 1))}
            >
              {crumb.name}
            </Button>
          ))}
        </Breadcrumbs>
        <ScrollArea.Autosize mah={300}>
          {folder.isPending ? (
            <Loader size="sm" />
          ) : subfolders.length === 0 ? (
            <Text c="dimmed" size="sm">
              No folders here.
            </Text>
          ) : (
            subfolders.map((child) => (
              <NavLink
                key={child.id}
                label={child.name}
                leftSection={<IconFolderFilled size={18} color="var(--mantine-color-yellow-6)" aria-hidden />}
                onClick={() => setPath([...path, { id: child.id, name: child.name }])}
              />
            ))
          )}
        </ScrollArea.Autosize>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={move} loading={busy}>
            Move to “{current.name}”
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
