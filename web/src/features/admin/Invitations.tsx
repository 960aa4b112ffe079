import {
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { adminCreateInvitation, adminListInvitations, adminRevokeInvitation } from '../../api/sdk.gen';
import type { AdminListInvitationsResponse } from '../../api/types.gen';
import { errorMessage, unwrap } from '../../app/api-client';
import { formatDate } from '../../ui/format';

type Invitation = AdminListInvitationsResponse['invitations'][number];
const invitationsKey = ['admin', 'invitations'] as const;

function status(invitation: Invitation) {
  if (invitation.usedAt !== null)
    return <Badge size="xs">Used by {invitation.usedBy ?? 'a removed account'}</Badge>;
  if (Date.parse(invitation.expiresAt) <= Date.now())
    return (
      <Badge size="xs" color="gray">
        Expired
      </Badge>
    );
  return (
    <Badge size="xs" color="green">
      Open until {formatDate(invitation.expiresAt)}
    </Badge>
  );
}

/** Invitations to register: make one (its code is shown once), see which were used, revoke. */
export function Invitations() {
  const queryClient = useQueryClient();
  const invitations = useQuery({ queryKey: invitationsKey, queryFn: () => unwrap(adminListInvitations()) });
  const refresh = () => queryClient.invalidateQueries({ queryKey: invitationsKey });
  const [note, setNote] = useState('');
  const [validDays, setValidDays] = useState<number | string>(7);
  const [code, setCode] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        adminCreateInvitation({
          body: { validDays: Number(validDays) || 7, ...(note.trim() !== '' && { note: note.trim() }) },
        }),
      ),
    onSuccess: (created) => {
      setCode(created.code);
      setNote('');
      void refresh();
    },
    onError: (error) =>
      notifications.show({
        color: 'red',
        title: 'Could not make an invitation',
        message: errorMessage(error),
      }),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(adminRevokeInvitation({ path: { id } })),
    onSettled: refresh,
    onError: (error) =>
      notifications.show({
        color: 'red',
        title: 'Could not revoke the invitation',
        message: errorMessage(error),
      }),
  });
  const signUpLink =
    code === null ? '' : `${window.location.origin}/signup?invitation=${encodeURIComponent(code)}`;

  return (
    <Stack>
      <Title order={3} size="h4">
        Invitations
      </Title>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate();
        }}
      >
        <Group align="flex-end">
          <TextInput
            label="Who it is for"
            placeholder="A name, to tell invitations apart (optional)"
            maxLength={200}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
          />
          <NumberInput
            label="Valid for (days)"
            min={1}
            max={365}
            w={140}
            value={validDays}
            onChange={setValidDays}
          />
          <Button type="submit" loading={create.isPending}>
            Make invitation
          </Button>
        </Group>
      </form>
      {invitations.isError && <Text c="red">{errorMessage(invitations.error)}</Text>}
      {invitations.data && invitations.data.invitations.length > 0 && (
        <Table verticalSpacing="xs" aria-label="Invitations">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>For whom</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th visibleFrom="sm">Made</Table.Th>
              <Table.Th w={96}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invitations.data.invitations.map((invitation) => (
              <Table.Tr key={invitation.id} data-testid="invitation-row">
                <Table.Td>
                  <Text size="sm" truncate="end">
                    {invitation.note ?? '—'}
                  </Text>
                </Table.Td>
                <Table.Td>{status(invitation)}</Table.Td>
                <Table.Td visibleFrom="sm">
                  <Text size="sm">{formatDate(invitation.createdAt)}</Text>
                </Table.Td>
                <Table.Td>
                  <Button
                    size="compact-sm"
                    variant="subtle"
                    color={invitation.usedAt === null ? 'red' : 'gray'}
                    onClick={() => revoke.mutate(invitation.id)}
                  >
                    {invitation.usedAt === null ? 'Revoke' : 'Remove'}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={code !== null} onClose={() => setCode(null)} title="Invitation made">
        <Stack>
          <Text size="sm">
            Give this code (or the link) to the person invited. It is shown only now and works for one
            account.
          </Text>
          <Code block data-testid="invitation-code">
            {code}
          </Code>
          <Group justify="flex-end">
            <CopyButton value={signUpLink}>
              {({ copied, copy }) => (
                <Button variant="default" onClick={copy}>
                  {copied ? 'Link copied' : 'Copy link'}
                </Button>
              )}
            </CopyButton>
            <CopyButton value={code ?? ''}>
              {({ copied, copy }) => <Button onClick={copy}>{copied ? 'Code copied' : 'Copy code'}</Button>}
            </CopyButton>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
