import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  PasswordInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../app/api-client';
import { formatDate } from '../../ui/format';
import { AppPasswords } from './AppPasswords';
import {
  type User,
  useChangePassword,
  useRenameAccount,
  useRevokeSession,
  useSessions,
} from './account.queries';
import { StorageMeter } from './StorageMeter';

/** The account: username, password, sessions, app passwords and storage. */
export function AccountPage({ user }: { user: User }) {
  return (
    <Stack maw={720}>
      <Title order={2} size="h3">
        Account
      </Title>
      <Card withBorder>
        <Title order={3} size="h5" mb="xs">
          Storage
        </Title>
        <StorageMeter user={user} />
      </Card>
      <RenameForm user={user} />
      <PasswordForm />
      <SessionsCard />
      <AppPasswords username={user.username} />
    </Stack>
  );
}

function RenameForm({ user }: { user: User }) {
  const rename = useRenameAccount();
  const [username, setUsername] = useState(user.username);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    rename.mutate(username.trim(), { onSuccess: () => notifications.show({ message: 'Username changed.' }) });
  };
  return (
    <Card withBorder component="form" onSubmit={submit}>
      <Stack>
        <Title order={3} size="h5">
          Username
        </Title>
        {rename.error && (
          <Alert color="red" role="alert" title="Username not changed">
            {errorMessage(rename.error)}
          </Alert>
        )}
        <TextInput
          label="Username"
          value={username}
          onChange={(e) => setUsername(e.currentTarget.value)}
          autoComplete="username"
        />
        <Group>
          <Button type="submit" loading={rename.isPending} disabled={username.trim() === user.username}>
            Change username
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function PasswordForm() {
  const change = useChangePassword();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate(
      { currentPassword, newPassword },
      {
        onSuccess: () => {
          setCurrent('');
          setNew('');
          notifications.show({ message: 'Password changed. Your other sessions were signed out.' });
        },
      },
    );
  };
  return (
    <Card withBorder component="form" onSubmit={submit}>
      <Stack>
        <Title order={3} size="h5">
          Password
        </Title>
        {change.error && (
          <Alert color="red" role="alert" title="Password not changed">
            {errorMessage(change.error)}
          </Alert>
        )}
        <PasswordInput
          label="Current password"
          value={currentPassword}
          onChange={(e) => setCurrent(e.currentTarget.value)}
          autoComplete="current-password"
        />
        <PasswordInput
          label="New password"
          value={newPassword}
          onChange={(e) => setNew(e.currentTarget.value)}
          autoComplete="new-password"
        />
        <Group>
          <Button type="submit" loading={change.isPending} disabled={!currentPassword || !newPassword}>
            Change password
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function SessionsCard() {
  const sessions = useSessions();
  const revoke = useRevokeSession();
  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="xs">
        Where you’re signed in
      </Title>
      {sessions.isError && <Text c="red">{errorMessage(sessions.error)}</Text>}
      <Table verticalSpacing="xs" style={{ tableLayout: 'fixed' }} aria-label="Sessions">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Device</Table.Th>
            <Table.Th visibleFrom="sm" w={180}>
              Last used
            </Table.Th>
            <Table.Th w={96}>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {sessions.data?.sessions.map((session) => (
            <Table.Tr key={session.id} data-testid="session-row">
              <Table.Td>
                <Text size="sm" lineClamp={2} title={session.userAgent ?? undefined}>
                  {session.userAgent ?? 'Unknown device'}
                </Text>
                {session.current && (
                  <Badge size="xs" variant="light">
                    This browser
                  </Badge>
                )}
              </Table.Td>
              <Table.Td visibleFrom="sm">
                <Text size="sm">{formatDate(session.lastUsedAt)}</Text>
              </Table.Td>
              <Table.Td>
                {!session.current && (
                  <Button
                    size="compact-xs"
                    variant="light"
                    color="red"
                    loading={revoke.isPending && revoke.variables === session.id}
                    onClick={() =>
                      revoke.mutate(session.id, {
                        onError: (error) =>
                          notifications.show({ color: 'red', message: errorMessage(error) }),
                      })
                    }
                  >
                    Sign out
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
