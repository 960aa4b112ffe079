import { Badge, Button, Card, Group, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconLock } from '@tabler/icons-react';
import { useState } from 'react';
import { errorMessage } from '../../app/api-client';
import { formatBytes, formatDate } from '../../ui/format';
import { ShareEvents } from './ShareEvents';
import { type Share, statusLabel, usageLabel } from './share-settings';
import { useRevokeShare } from './shares.queries';

const STATUS_COLOR = { active: 'green', expired: 'gray', exhausted: 'orange' } as const;

/** One link or drop: its state, what it allows, how much of it is used, its log, and revoke. */
export function ShareItem({ share, showNode = false }: { share: Share; showNode?: boolean }) {
  const [logOpen, log] = useDisclosure(false);
  const [confirming, setConfirming] = useState(false);
  const revoke = useRevokeShare();
  const kind = share.kind === 'link' ? 'Link' : 'File drop';
  const limits = [
    share.expiresAt && `expires ${formatDate(share.expiresAt)}`,
    share.maxFileBytes !== null && `files up to ${formatBytes(share.maxFileBytes)}`,
  ].filter(Boolean);

  const onRevoke = () => {
    if (!confirming) return setConfirming(true);
    revoke.mutate(share.id, {
      onError: (error) =>
        notifications.show({ color: 'red', title: 'Could not revoke', message: errorMessage(error) }),
    });
  };

  return (
    <Card withBorder padding="sm" data-testid="share-item" data-status={share.status} data-kind={share.kind}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap="xs">
            <Text fw={600} size="sm">
              {showNode ? share.nodeName : kind}
            </Text>
            {showNode && (
              <Badge variant="light" color="gray">
                {kind}
              </Badge>
            )}
            <Badge variant="light" color={STATUS_COLOR[share.status]}>
              {statusLabel(share)}
            </Badge>
            {share.hasPassword && <IconLock size={14} aria-label="Password protected" />}
          </Group>
          <Group gap={4}>
            <Button variant="subtle" size="compact-sm" onClick={log.toggle} aria-expanded={logOpen}>
              Access log
            </Button>
            <Button
              variant={confirming ? 'filled' : 'subtle'}
              color="red"
              size="compact-sm"
              onClick={onRevoke}
              onBlur={() => setConfirming(false)}
              loading={revoke.isPending}
            >
              {confirming ? 'Confirm revoke' : 'Revoke'}
            </Button>
          </Group>
        </Group>
        <Text size="xs" c="dimmed">
          {[usageLabel(share), ...limits].join(' · ')}
        </Text>
        <Text size="xs" c="dimmed">
          Created {formatDate(share.createdAt)} · last used{' '}
          {share.lastAccessAt ? formatDate(share.lastAccessAt) : 'never'}
        </Text>
        {logOpen && <ShareEvents shareId={share.id} />}
      </Stack>
    </Card>
  );
}
