import { ActionIcon, Affix, Button, Group, Paper, Progress, ScrollArea, Stack, Text } from '@mantine/core';
import { IconChevronDown, IconChevronUp } from '@tabler/icons-react';
import { useState } from 'react';
import { formatBytes, formatDuration } from '../../ui/format';
import { UploadRow } from './UploadRow';
import { useUploads } from './UploadsProvider';

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
                <UploadRow key={item.key} item={item} manager={manager} />
              ))}
            </Stack>
          </ScrollArea.Autosize>
        )}
      </Paper>
    </Affix>
  );
}
