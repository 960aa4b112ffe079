import { Button, Center, Group, Loader, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconRestore, IconTrash, IconTrashX } from '@tabler/icons-react';
import { useState } from 'react';
import { errorMessage } from '../../app/api-client';
import { formatBytes, formatDate } from '../../ui/format';
import { type Sort, useEmptyTrash, usePurgeNodes, useRestoreNodes, useTrash } from './files.queries';
import { NodeIcon } from './NodeIcon';
import { SortHeader } from './SortHeader';

/** What was deleted: restore it, or delete it for good (after a confirmation). */
export function TrashPage() {
  const [sort, setSort] = useState<Sort>({ field: 'name', order: 'asc' });
  const trash = useTrash(sort);
  const restore = useRestoreNodes();
  const purge = usePurgeNodes();
  const empty = useEmptyTrash();
  const [confirm, setConfirm] = useState<{ ids: string[]; label: string } | 'all' | null>(null);
  const items = trash.data?.items ?? [];
  const fail = (title: string) => (error: Error) =>
    notifications.show({ color: 'red', title, message: errorMessage(error) });

  const confirmDelete = () => {
    if (confirm === 'all') empty.mutate(undefined, { onError: fail('Could not empty the trash') });
    else if (confirm) purge.mutate(confirm.ids, { onError: fail('Could not delete') });
    setConfirm(null);
  };

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2} size="h3">
          Trash
        </Title>
        {items.length > 0 && (
          <Button
            variant="light"
            color="red"
            leftSection={<IconTrashX size={16} />}
            onClick={() => setConfirm('all')}
          >
            Empty trash
          </Button>
        )}
      </Group>
      <Text size="sm" c="dimmed">
        Items in the trash still count against your storage until you delete them forever.
      </Text>
      {trash.isPending ? (
        <Center mt="xl">
          <Loader aria-label="Loading" />
        </Center>
      ) : trash.isError ? (
        <Text c="red">{errorMessage(trash.error)}</Text>
      ) : items.length === 0 ? (
        <Stack align="center" mt="xl" gap={4}>
          <IconTrash size={40} aria-hidden color="var(--mantine-color-dimmed)" />
          <Text fw={600}>The trash is empty</Text>
          <Text c="dimmed" size="sm">
            What you delete lands here, and can be restored.
          </Text>
        </Stack>
      ) : (
        <Table verticalSpacing="xs" style={{ tableLayout: 'fixed' }} aria-label="Trash">
          <Table.Thead>
            <Table.Tr>
              <SortHeader field="name" label="Name" sort={sort} onSort={setSort} />
              <SortHeader field="size" label="Size" sort={sort} onSort={setSort} w={100} visibleFrom="sm" />
              <Table.Th w={190} visibleFrom="md">
                Deleted
              </Table.Th>
              <Table.Th w={96}>Actions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((node) => (
              <Table.Tr key={node.id} data-testid="trash-row" data-name={node.name}>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <NodeIcon node={node} />
                    <Text size="sm" truncate="end">
                      {node.name}
                    </Text>
                  </Group>
                </Table.Td>
                <Table.Td visibleFrom="sm">{node.kind === 'file' ? formatBytes(node.size) : '—'}</Table.Td>
                <Table.Td visibleFrom="md">{formatDate(node.trashedAt)}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      aria-label={`Restore ${node.name}`}
                      onClick={() =>
                        restore.mutate([node.id], {
                          onSuccess: () => notifications.show({ message: `Restored “${node.name}”.` }),
                          onError: fail('Could not restore'),
                        })
                      }
                    >
                      <IconRestore size={16} />
                    </Button>
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      color="red"
                      aria-label={`Delete ${node.name} forever`}
                      onClick={() => setConfirm({ ids: [node.id], label: `“${node.name}”` })}
                    >
                      <IconTrashX size={16} />
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={confirm !== null} onClose={() => setConfirm(null)} title="Delete forever?">
        <Stack>
          <Text>
            {confirm === 'all' ? 'Everything in the trash' : confirm?.label} will be deleted for good. This
            can’t be undone.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirm(null)} data-autofocus>
              Cancel
            </Button>
            <Button color="red" onClick={confirmDelete}>
              Delete forever
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
