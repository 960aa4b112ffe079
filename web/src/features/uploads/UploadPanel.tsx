import {
  ActionIcon,
  Affix,
  Button,
  FileButton,
  Group,
  Paper,
  Progress,
  ScrollArea,
  Stack,
  Text,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconChevronDown,
  IconChevronUp,
  IconFileUpload,
  IconPlayerPause,
  IconPlayerPlay,
  IconRefresh,
  IconX,
} from '@tabler/icons-react';
import { useState } from 'react';
import { formatBytes, formatDuration } from '../../ui/format';
import { useUploadActions, useUploads } from './UploadsProvider';
import type { UploadItem } from './upload-items';

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

/** The upload queue: overall and per-file progress, speed, time left, and the controls. */
export function UploadPanel() {
  const { items, manager } = useUploads();
  const [collapsed, setCollapsed] = useState(false);
  if (items.length === 0) return null;

  const live = items.filter((item) => item.status !== 'canceled');
  const total = live.reduce((sum, item) => sum + item.totalBytes, 0);
  const sent = live.reduce((sum, item) => sum + item.sentBytes, 0);
  const speed = items.reduce((sum, item) => sum + (item.status === 'uploading' ? item.speed : 0), 0);
  const active = items.filter((item) =>
    ['queued', 'compressing', 'uploading', 'completing'].includes(item.status),
  ).length;
  const percent = total > 0 ? (sent / total) * 100 : 100;
  const summary = active > 0 ? `Uploading ${active} file${active === 1 ? '' : 's'}` : 'Uploads';

  return (
    <Affix position={{ bottom: 12, right: 12 }} zIndex={150} w="min(420px, calc(100vw - 24px))">
      <Paper withBorder shadow="lg" radius="md" p="sm" role="region" aria-label="Uploads">
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Stack gap={0} style={{ minWidth: 0 }}>
            <Text fw={600} size="sm">
              {summary}
            </Text>
            <Text size="xs" c="dimmed" data-testid="upload-overall">
              {formatBytes(sent)} of {formatBytes(total)}
              {speed > 0 && ` · ${formatBytes(speed)}/s · ${formatDuration((total - sent) / speed)} left`}
            </Text>
          </Stack>
          <Group gap={4} wrap="nowrap">
            {active === 0 && (
              <Button size="compact-xs" variant="subtle" onClick={() => manager.clearFinished()}>
                Clear
              </Button>
            )}
            <ActionIcon
              variant="subtle"
              onClick={() => setCollapsed((c) => !c)}
              aria-label={collapsed ? 'Show uploads' : 'Hide uploads'}
              aria-expanded={!collapsed}
            >
              {collapsed ? <IconChevronUp size={18} /> : <IconChevronDown size={18} />}
            </ActionIcon>
          </Group>
        </Group>
        <Progress value={percent} mt="xs" size="sm" aria-label="Overall upload progress" />
        {!collapsed && (
          <ScrollArea.Autosize mah={280} mt="xs" type="auto">
            <Stack gap="xs">
              {items.map((item) => (
                <UploadRow key={item.key} item={item} />
              ))}
            </Stack>
          </ScrollArea.Autosize>
        )}
      </Paper>
    </Affix>
  );
}

function UploadRow({ item }: { item: UploadItem }) {
  const { manager } = useUploadActions();
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
          {item.status === 'needs-file' && <RepickButton item={item} />}
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

function RepickButton({ item }: { item: UploadItem }) {
  const { manager } = useUploadActions();
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
