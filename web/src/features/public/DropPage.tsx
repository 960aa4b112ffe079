import { Alert, Progress, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { formatBytes, formatDate } from '../../ui/format';
import { UploadRow } from '../uploads/UploadRow';
import { UploadManager } from '../uploads/upload-manager';
import { DropZone } from './DropZone';
import { admitFiles } from './drop-limits';
import { dropTransport } from './drop-transport';
import type { PublicLink } from './public.queries';

/**
 * A file drop: files go into the owner's folder through the link, each resumable and with its
 * progress, and nothing of what is in the folder is shown.
 */
export function DropPage({ token, link }: { token: string; link: PublicLink }) {
  const [manager] = useState(
    () => new UploadManager({ transport: dropTransport(token), onFileCommitted: () => {} }),
  );
  useEffect(() => {
    manager.connect();
    return () => manager.disconnect();
  }, [manager]);
  const items = useSyncExternalStore(manager.subscribe, manager.getSnapshot);
  const [refusals, setRefused] = useState<string[]>([]);
  const maxFileBytes = link.drop?.maxFileBytes ?? null;
  const filesLeft = link.drop?.filesLeft ?? null;
  const sent = items.filter((item) => item.status === 'done').length;
  const left = filesLeft === null ? null : Math.max(0, filesLeft - sent);
  const taken = items.filter((item) => item.status !== 'canceled' && item.status !== 'failed').length;

  const add = (files: File[]) => {
    const room = filesLeft === null ? null : Math.max(0, filesLeft - taken);
    const { accepted, refused } = admitFiles(files, { maxFileBytes, room });
    setRefused(refused);
    manager.add(accepted.map((file) => ({ file, parentId: 'drop' })));
  };

  const total = items.reduce((sum, item) => sum + (item.status === 'canceled' ? 0 : item.totalBytes), 0);
  const done = items.reduce((sum, item) => sum + (item.status === 'canceled' ? 0 : item.sentBytes), 0);
  return (
    <Stack maw={640} mx="auto" mt="md">
      <Stack gap={4}>
        <Title order={1} size="h3" style={{ overflowWrap: 'anywhere' }}>
          Send files to “{link.node.name}”
        </Title>
        <Text size="sm" c="dimmed">
          {[
            maxFileBytes !== null && `Files up to ${formatBytes(maxFileBytes)}.`,
            left !== null && `${left} more ${left === 1 ? 'file' : 'files'} can be sent.`,
            link.expiresAt && `Open until ${formatDate(link.expiresAt)}.`,
            'Only the person who shared this link sees what you send.',
          ]
            .filter(Boolean)
            .join(' ')}
        </Text>
      </Stack>
      <DropZone onFiles={add} disabled={left === 0} />
      {refusals.length > 0 && (
        <Alert color="orange" role="alert" title="Not sent">
          {refusals.map((reason) => (
            <Text key={reason} size="sm">
              {reason}
            </Text>
          ))}
        </Alert>
      )}
      {items.length > 0 && (
        <Stack gap="xs" role="region" aria-label="Sent files">
          <Text size="sm" fw={600} data-testid="drop-overall">
            {sent} of {items.filter((item) => item.status !== 'canceled').length} sent · {formatBytes(done)}{' '}
            of {formatBytes(total)}
          </Text>
          <Progress value={total > 0 ? (done / total) * 100 : 0} aria-label="Overall progress" />
          {items.map((item) => (
            <UploadRow key={item.key} item={item} manager={manager} />
          ))}
        </Stack>
      )}
    </Stack>
  );
}
