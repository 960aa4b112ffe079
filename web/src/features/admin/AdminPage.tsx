import {
  Badge,
  Button,
  Card,
  Group,
  Menu,
  Modal,
  NumberInput,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconDots } from '@tabler/icons-react';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { adminListUsers, adminUpdateUser } from '../../api/sdk.gen';
import type { AdminListUsersResponse, AdminUpdateUserData } from '../../api/types.gen';
import { errorMessage, unwrap } from '../../app/api-client';
import { formatBytes, formatDate } from '../../ui/format';
import type { User } from '../account/account.queries';
import { Invitations } from './Invitations';

type AdminUser = AdminListUsersResponse['users'][number];
const GIB = 1024 ** 3;

/** Every account: storage, quota, disable / enable, promote / demote; and the invitations. */
export function AdminPage({ me }: { me: User }) {
  const queryClient = useQueryClient();
  const users = useInfiniteQuery({
    queryKey: ['admin', 'users'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => unwrap(adminListUsers({ query: { limit: 200, cursor: pageParam } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const update = useMutation({
    mutationFn: ({ id, ...body }: AdminUpdateUserData['body'] & { id: string }) =>
      unwrap(adminUpdateUser({ path: { id }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin', 'users'] }),
    onError: (error) =>
      notifications.show({ color: 'red', title: 'Could not update the user', message: errorMessage(error) }),
  });
  const [quotaFor, setQuotaFor] = useState<AdminUser | null>(null);
  const [quotaGiB, setQuotaGiB] = useState<number | string>('');
  const totals = users.data?.pages[0]?.totals;
  const list = users.data?.pages.flatMap((page) => page.users) ?? [];

  return (
    <Stack>
      <Title order={2} size="h3">
        Administration
      </Title>
      {totals && (
        <Group>
          <Card withBorder padding="sm">
            <Text size="xs" c="dimmed">
              Users
            </Text>
            <Text fw={700}>{totals.users}</Text>
          </Card>
          <Card withBorder padding="sm">
            <Text size="xs" c="dimmed">
              Storage used
            </Text>
            <Text fw={700}>{formatBytes(totals.usedBytes)}</Text>
          </Card>
        </Group>
      )}
      {users.isError && <Text c="red">{errorMessage(users.error)}</Text>}
      <Table verticalSpacing="xs" style={{ tableLayout: 'fixed' }} aria-label="Users">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>User</Table.Th>
            <Table.Th w={170}>Storage</Table.Th>
            <Table.Th visibleFrom="sm" w={180}>
              Created
            </Table.Th>
            <Table.Th w={48}>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {list.map((user) => (
            <Table.Tr key={user.id} data-testid="admin-user-row">
              <Table.Td>
                <Text size="sm" fw={500} truncate="end">
                  {user.username}
                </Text>
                <Group gap={4}>
                  {user.isAdmin && <Badge size="xs">Admin</Badge>}
                  {user.disabled && (
                    <Badge size="xs" color="red">
                      Disabled
                    </Badge>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {formatBytes(user.usedBytes)} /{' '}
                  {user.quotaBytes == null ? 'no limit' : formatBytes(user.quotaBytes)}
                </Text>
              </Table.Td>
              <Table.Td visibleFrom="sm">
                <Text size="sm">{formatDate(user.createdAt)}</Text>
              </Table.Td>
              <Table.Td>
                <Menu position="bottom-end">
                  <Menu.Target>
                    <Button size="compact-sm" variant="subtle" aria-label={`Manage ${user.username}`}>
                      <IconDots size={16} />
                    </Button>
                  </Menu.Target>
                  <Menu.Dropdown>
                    <Menu.Item
                      onClick={() => {
                        setQuotaFor(user);
                        setQuotaGiB(user.quotaBytes == null ? '' : user.quotaBytes / GIB);
                      }}
                    >
                      Set quota…
                    </Menu.Item>
                    <Menu.Item
                      disabled={user.id === me.id}
                      onClick={() => update.mutate({ id: user.id, isAdmin: !user.isAdmin })}
                    >
                      {user.isAdmin ? 'Remove administrator' : 'Make administrator'}
                    </Menu.Item>
                    <Menu.Item
                      color={user.disabled ? undefined : 'red'}
                      disabled={user.id === me.id}
                      onClick={() => update.mutate({ id: user.id, disabled: !user.disabled })}
                    >
                      {user.disabled ? 'Enable account' : 'Disable account'}
                    </Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {users.hasNextPage && (
        <Button variant="default" onClick={() => void users.fetchNextPage()}>
          Show more
        </Button>
      )}
      <Invitations />
      <Modal
        opened={quotaFor !== null}
        onClose={() => setQuotaFor(null)}
        title={`Quota for ${quotaFor?.username ?? ''}`}
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (!quotaFor) return;
            const quotaBytes = quotaGiB === '' ? null : Math.round(Number(quotaGiB) * GIB);
            update.mutate({ id: quotaFor.id, quotaBytes }, { onSuccess: () => setQuotaFor(null) });
          }}
        >
          <Stack>
            <NumberInput
              label="Quota in GiB"
              description="Leave empty for no limit"
              min={0}
              decimalScale={3}
              value={quotaGiB}
              onChange={setQuotaGiB}
              data-autofocus
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setQuotaFor(null)}>
                Cancel
              </Button>
              <Button type="submit" loading={update.isPending}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}
