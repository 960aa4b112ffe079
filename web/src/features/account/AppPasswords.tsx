import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  SegmentedControl,
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
import { AppPasswordShown } from './AppPasswordShown';
import {
  type NewAppPassword,
  useAppPasswords,
  useCreateAppPassword,
  useRevokeAppPassword,
} from './app-passwords.queries';

/** Passwords for apps (WebDAV clients, scripts): make one, see when each was last used, revoke. */
export function AppPasswords({ username }: { username: string }) {
  const [shown, setShown] = useState<string | null>(null);
  return (
    <Card withBorder>
      <Stack>
        <Title order={3} size="h5">
          App passwords
        </Title>
        <Text size="sm" c="dimmed">
          For WebDAV clients and scripts. Each works until you revoke it, and never changes your account.
        </Text>
        <NewAppPasswordForm onCreated={setShown} />
        <AppPasswordList />
      </Stack>
      <AppPasswordShown password={shown} username={username} onClose={() => setShown(null)} />
    </Card>
  );
}

function NewAppPasswordForm({ onCreated }: { onCreated: (password: string) => void }) {
  const create = useCreateAppPassword();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<NewAppPassword['scope']>('read-write');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(
      { name: name.trim(), scope },
      {
        onSuccess: (created) => {
          setName('');
          onCreated(created.password);
        },
      },
    );
  };
  return (
    <Stack component="form" onSubmit={submit} gap="xs">
      {create.error && (
        <Alert color="red" role="alert" title="App password not made">
          {errorMessage(create.error)}
        </Alert>
      )}
      <Group align="flex-end">
        <TextInput
          label="What it is for"
          placeholder="Laptop WebDAV"
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.currentTarget.value)}
          style={{ flex: 1 }}
        />
        <SegmentedControl
          aria-label="Access"
          value={scope}
          onChange={(value) => setScope(value as NewAppPassword['scope'])}
          data={[
            { value: 'read-write', label: 'Read and write' },
            { value: 'read', label: 'Read only' },
          ]}
        />
        <Button type="submit" loading={create.isPending} disabled={name.trim() === ''}>
          Make app password
        </Button>
      </Group>
    </Stack>
  );
}

function AppPasswordList() {
  const list = useAppPasswords();
  const revoke = useRevokeAppPassword();
  if (list.isError) return <Text c="red">{errorMessage(list.error)}</Text>;
  if (list.data?.appPasswords.length === 0) return <Text size="sm">No app passwords yet.</Text>;
  return (
    <Table verticalSpacing="xs" style={{ tableLayout: 'fixed' }} aria-label="App passwords">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Name</Table.Th>
          <Table.Th visibleFrom="sm" w={140}>
            Created
          </Table.Th>
          <Table.Th w={180}>Last used</Table.Th>
          <Table.Th w={84}>
            <VisuallyHidden>Actions</VisuallyHidden>
          </Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {list.data?.appPasswords.map((appPassword) => (
          <Table.Tr key={appPassword.id} data-testid="app-password-row">
            <Table.Td>
              <Text size="sm" truncate="end" title={appPassword.name}>
                {appPassword.name}
              </Text>
              <Badge size="xs" variant="light" color={appPassword.scope === 'read' ? 'gray' : 'blue'}>
                {appPassword.scope === 'read' ? 'Read only' : 'Read and write'}
              </Badge>
            </Table.Td>
            <Table.Td visibleFrom="sm">
              <Text size="sm">{formatDate(appPassword.createdAt)}</Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{appPassword.lastUsedAt ? formatDate(appPassword.lastUsedAt) : 'Never'}</Text>
              {appPassword.lastAddress && (
                <Text size="xs" c="dimmed" truncate="end">
                  from {appPassword.lastAddress}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <Button
                size="compact-xs"
                variant="light"
                color="red"
                loading={revoke.isPending && revoke.variables === appPassword.id}
                onClick={() =>
                  revoke.mutate(appPassword.id, {
                    onError: (error) => notifications.show({ color: 'red', message: errorMessage(error) }),
                  })
                }
              >
                Revoke
              </Button>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
