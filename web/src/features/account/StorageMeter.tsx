import { Progress, Stack, Text } from '@mantine/core';
import { formatBytes } from '../../ui/format';
import type { User } from './account.queries';

/** Storage used against the quota (or just used, when there is no limit). */
export function StorageMeter({ user }: { user: User }) {
  const used = user.usedBytes + user.reservedBytes;
  const quota = user.quotaBytes;
  const percent = quota ? Math.min(100, (used / quota) * 100) : 0;
  return (
    <Stack gap={4}>
      <Text size="xs" c="dimmed" data-testid="storage-used">
        {quota == null
          ? `${formatBytes(user.usedBytes)} used`
          : `${formatBytes(used)} of ${formatBytes(quota)} used`}
      </Text>
      {quota != null && (
        <Progress
          value={percent}
          size="sm"
          color={percent > 90 ? 'red' : undefined}
          aria-label="Storage used"
        />
      )}
    </Stack>
  );
}
