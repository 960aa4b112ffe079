import {
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconUsers } from '@tabler/icons-react';
import { errorMessage } from '../../app/api-client';
import { formatBytes, formatDate } from '../../ui/format';
import { NodeIcon } from '../files/NodeIcon';
import { NodeLink } from '../files/NodeLink';
import { useLeaveShared, useSharedWithMe } from './members.queries';

/** What other people shared with me: a folder opens in the ordinary folder view, a file downloads. */
export function SharedWithMePage({ myId }: { myId: string }) {
  const shared = useSharedWithMe();
  const leave = useLeaveShared(myId);
  return (
    <Stack gap="sm">
      <Title order={2}>Shared with me</Title>
      {shared.isPending ? (
        <Center mt="xl">
          <Loader aria-label="Loading" />
        </Center>
      ) : shared.isError ? (
        <Text c="red">{errorMessage(shared.error)}</Text>
      ) : shared.data.items.length === 0 ? (
        <Stack align="center" mt="xl" gap={4} data-testid="nothing-shared">
          <IconUsers size={40} aria-hidden color="var(--mantine-color-dimmed)" />
          <Text fw={600}>Nothing is shared with you yet</Text>
          <Text c="dimmed" size="sm" ta="center">
            When someone shares a folder or file with you, it shows up here.
          </Text>
        </Stack>
      ) : (
        <Table verticalSpacing="xs" style={{ tableLayout: 'fixed' }} aria-label="Shared with me">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th w={140} visibleFrom="xs">
                Shared by
              </Table.Th>
              <Table.Th w={190} visibleFrom="sm">
                Modified
              </Table.Th>
              <Table.Th w={80}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shared.data.items.map(({ node, owner, role }) => (
              <Table.Tr key={node.id} data-testid="shared-row" data-name={node.name}>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <NodeIcon node={node} />
                    <Stack gap={0} style={{ minWidth: 0 }}>
                      <NodeLink node={node} />
                      <Text size="xs" c="dimmed">
                        {node.kind === 'file' && `${formatBytes(node.size)} · `}
                        <Text span hiddenFrom="xs" inherit>
                          {owner.username} ·{' '}
                        </Text>
                        <Badge size="xs" variant="light" color={role === 'editor' ? 'blue' : 'gray'}>
                          {role === 'editor' ? 'Can edit' : 'Can view'}
                        </Badge>
                      </Text>
                    </Stack>
                  </Group>
                </Table.Td>
                <Table.Td visibleFrom="xs">
                  <Text size="sm" truncate="end">
                    {owner.username}
                  </Text>
                </Table.Td>
                <Table.Td visibleFrom="sm">{formatDate(node.updatedAt)}</Table.Td>
                <Table.Td>
                  <Button
                    variant="subtle"
                    color="red"
                    size="compact-sm"
                    aria-label={`Leave ${node.name}`}
                    onClick={() =>
                      leave.mutate(node.id, {
                        onError: (error) =>
                          notifications.show({
                            color: 'red',
                            title: 'Could not leave',
                            message: errorMessage(error),
                          }),
                      })
                    }
                  >
                    Leave
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
