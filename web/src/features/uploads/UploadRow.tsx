import { ActionIcon, FileButton, Group, Progress, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconFileUpload, IconPlayerPause, IconPlayerPlay, IconRefresh, IconX } from '@tabler/icons-react';
import { formatBytes, formatDuration } from '../../ui/format';
import type { UploadItem, UploadManager } from './upload-manager';

const STATUS_TEXT: Record<UploadItem['status'], string> = {
  'needs-file': 'Unfinished — pick the file again to continue',
  queued: 'Waiting',
  compressing: 'Compressing',
  uploading: 'Uploading',
  paused: 'Paused',
  completing: 'Finishing',
  done: 'Done',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** One file of an upload queue: its progress, speed and time left, and its controls. */
export function UploadRow({ item, manager }: { item: UploadItem; manager: UploadManager }) {
  const percent =
    item.totalBytes > 0 ? (item.sentBytes / item.totalBytes) * 100 : item.status === 'done' ? 100 : 0;
  const running = ['queued', 'compressing', 'uploading'].includes(item.status);
  const detail =
    item.status === 'uploading' && item.speed > 0
      ? `${formatBytes(item.speed)}/s · ${formatDuration((item.totalBytes - item.sentBytes) / item.speed)} left`
      : (item.error ?? STATUS_TEXT[item.status]);

  return (
    <fieldset
      style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}
      data-testid="upload-row"
      data-status={item.status}
      aria-label={`Upload of ${item.name}`}
    >
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Stack gap={0} style={{ minWidth: 0, flex: 1 }}>
          <Text size="sm" truncate="end" title={item.name}>
            {item.name}
          </Text>
          <Text size="xs" c={item.status === 'failed' ? 'red' : 'dimmed'} truncate="end">
            {formatBytes(item.size)}
            {item.encoding === 'gzip' && ` (${formatBytes(item.totalBytes)} compressed)`} · {detail}
          </Text>
        </Stack>
        <Group gap={2} wrap="nowrap">
          {item.status === 'needs-file' && <RepickButton item={item} manager={manager} />}
          {running && (
            <Tooltip label="Pause">
              <ActionIcon
                variant="subtle"
                onClick={() => manager.pause(item.key)}
                aria-label={`Pause ${item.name}`}
              >
                <IconPlayerPause size={16} />
              </ActionIcon>
            </Tooltip>
          )}
          {item.status === 'paused' && (
            <Tooltip label="Resume">
              <ActionIcon
                variant="subtle"
                onClick={() => manager.resume(item.key)}
                aria-label={`Resume ${item.name}`}
              >
                <IconPlayerPlay size={16} />
              </ActionIcon>
            </Tooltip>
          )}
          {item.status === 'failed' && (
            <Tooltip label="Retry">
              <ActionIcon
                variant="subtle"
                onClick={() => manager.retry(item.key)}
                aria-label={`Retry ${item.name}`}
              >
                <IconRefresh size={16} />
              </ActionIcon>
            </Tooltip>
          )}
          {!['done', 'canceled'].includes(item.status) && (
            <Tooltip label="Cancel">
              <ActionIcon
                variant="subtle"
                color="red"
                onClick={() => manager.cancel(item.key)}
                aria-label={`Cancel ${item.name}`}
              >
                <IconX size={16} />
              </ActionIcon>
            </Tooltip>
          )}
        </Group>
      </Group>
      <Progress
        value={percent}
        size="xs"
        mt={4}
        color={item.status === 'failed' ? 'red' : item.status === 'done' ? 'teal' : undefined}
        aria-label={`Progress of ${item.name}`}
      />
    </fieldset>
  );
}

function RepickButton({ item, manager }: { item: UploadItem; manager: UploadManager }) {
  return (
    <FileButton
      onChange={(file) => {
        if (!file) return;
        const problem = manager.attachFile(item.key, file);
        if (problem) notifications.show({ color: 'red', title: 'Not the same file', message: problem });
      }}
    >
      {(props) => (
        <Tooltip label="Pick the file again to continue">
          <ActionIcon {...props} variant="light" aria-label={`Pick ${item.name} again to continue`}>
            <IconFileUpload size={16} />
          </ActionIcon>
        </Tooltip>
      )}
    </FileButton>
  );
}
