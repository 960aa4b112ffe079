import { Stack, Text, Title } from '@mantine/core';
import { IconLinkOff } from '@tabler/icons-react';

/**
 * A link that does not work. Revoked, expired, used up or never made all answer the same, so the
 * page can't tell them apart either, and says so.
 */
export function DeadLink() {
  return (
    <Stack align="center" mt="xl" gap="xs" data-testid="dead-link">
      <IconLinkOff size={48} aria-hidden color="var(--mantine-color-dimmed)" />
      <Title order={2} ta="center">
        This link doesn’t work
      </Title>
      <Text c="dimmed" ta="center" maw={420}>
        It may have expired, been used up or revoked, or it was copied wrong. Ask whoever sent it for a new
        one.
      </Text>
    </Stack>
  );
}
