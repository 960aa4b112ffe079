import {
  ActionIcon,
  Alert,
  Button,
  Group,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconUserMinus } from '@tabler/icons-react';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../app/api-client';
import {
  type Member,
  type MemberRole,
  useAddMember,
  useChangeMemberRole,
  useMembers,
  useRemoveMember,
} from './members.queries';

const ROLES = [
  { value: 'viewer', label: 'Viewer' },
  { value: 'editor', label: 'Editor' },
];

/** The people a node is shared with: add one by username, change their role, remove them. */
export function PeopleSection({ nodeId }: { nodeId: string }) {
  const members = useMembers(nodeId);
  return (
    <Stack gap="xs" component="section" aria-label="People">
      <Title order={4}>People</Title>
      <AddMemberForm nodeId={nodeId} />
      {members.isError ? (
        <Text c="red">{errorMessage(members.error)}</Text>
      ) : members.data?.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          Not shared with anyone yet.
        </Text>
      ) : (
        members.data?.items.map((member) => <MemberRow key={member.userId} nodeId={nodeId} member={member} />)
      )}
    </Stack>
  );
}

function AddMemberForm({ nodeId }: { nodeId: string }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<MemberRole>('viewer');
  const add = useAddMember(nodeId);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!username.trim()) return;
    add.mutate({ username: username.trim(), role }, { onSuccess: () => setUsername('') });
  };
  return (
    <form onSubmit={submit} aria-label="Add a person">
      <Stack gap="xs">
        {add.isError && (
          <Alert color="red" role="alert">
            {errorMessage(add.error)}
          </Alert>
        )}
        <Group gap="xs" align="flex-end" wrap="wrap">
          <TextInput
            label="Username"
            value={username}
            onChange={(e) => setUsername(e.currentTarget.value)}
            style={{ flex: 1, minWidth: 140 }}
            autoComplete="off"
          />
          <Select
            label="Role"
            data={ROLES}
            value={role}
            onChange={(value) => value && setRole(value as MemberRole)}
            allowDeselect={false}
            w={120}
          />
          <Button type="submit" loading={add.isPending}>
            Add
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function MemberRow({ nodeId, member }: { nodeId: string; member: Member }) {
  const changeRole = useChangeMemberRole(nodeId);
  const remove = useRemoveMember(nodeId);
  const failed = (title: string) => (error: Error) =>
    notifications.show({ color: 'red', title, message: errorMessage(error) });
  return (
    <Group justify="space-between" wrap="nowrap" data-testid="member-row" data-username={member.username}>
      <Text size="sm" truncate="end" style={{ minWidth: 0 }}>
        {member.username}
      </Text>
      <Group gap="xs" wrap="nowrap">
        <Select
          aria-label={`Role of ${member.username}`}
          data={ROLES}
          value={member.role}
          onChange={(value) =>
            value &&
            changeRole.mutate(
              { userId: member.userId, role: value as MemberRole },
              { onError: failed('Role not changed') },
            )
          }
          allowDeselect={false}
          size="xs"
          w={110}
        />
        <Tooltip label="Remove">
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={`Remove ${member.username}`}
            loading={remove.isPending}
            onClick={() => remove.mutate(member.userId, { onError: failed('Not removed') })}
          >
            <IconUserMinus size={16} />
          </ActionIcon>
        </Tooltip>
      </Group>
    </Group>
  );
}
