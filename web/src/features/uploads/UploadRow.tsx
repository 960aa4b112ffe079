import { ActionIcon, FileButton, Group, Progress, Stack, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconFileUpload, IconPlayerPause, IconPlayerPlay, IconRefresh, IconX } from '@tabler/icons-react';
import { formatBytes, formatDuration } from '../../ui/format';
import type { UploadItem } from './upload-items';
import type { UploadManager } from './upload-manager';

/** One of an upload's buttons: an icon, its label as the tooltip and (with the file's name) for screen readers. */
function ItemAction(props: {
  label: string;
  item: UploadItem;
  icon: typeof IconX;
  color?: string;
  onClick: () => void;
}) {
  const Icon = props.icon;
  return (
    <Tooltip label={props.label}>
      <ActionIcon
        variant="subtle"
        color={props.color}
        onClick={props.onClick}
        aria-label={`${props.label} ${props.item.name}`}
      >
        <Icon size={16} />
      </ActionIcon>
    </Tooltip>
  );
}

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
            <ItemAction
              label="Pause"
              item={item}
              icon={IconPlayerPause}
              onClick={() => manager.pause(item.key)}
            />
          )}
          {item.status === 'paused' && (
            <ItemAction
              label="Resume"
              item={item}
              icon={IconPlayerPlay}
              onClick={() => manager.resume(item.key)}
            />
          )}
          {item.status === 'failed' && (
            <ItemAction
              label="Retry"
              item={item}
              icon={IconRefresh}
              onClick={() => manager.retry(item.key)}
            />
          )}
          {!['done', 'canceled'].includes(item.status) && (
            <ItemAction
              label="Cancel"
              item={item}
              icon={IconX}
              color="red"
              onClick={() => manager.cancel(item.key)}
            />
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
