import { Anchor, Center, Loader, Stack, Text, Title } from '@mantine/core';
import { IconLink } from '@tabler/icons-react';
import { Link } from 'react-router';
import { errorMessage } from '../../app/api-client';
import { ShareItem } from './ShareItem';
import { useShares } from './shares.queries';

/** Every link and drop I made, newest first, with where each one points. */
export function SharedLinksPage() {
  const shares = useShares();
  return (
    <Stack gap="sm">
      <Title order={2}>Shared links</Title>
      {shares.isPending ? (
        <Center mt="xl">
          <Loader aria-label="Loading" />
        </Center>
      ) : shares.isError ? (
        <Text c="red">{errorMessage(shares.error)}</Text>
      ) : shares.data.items.length === 0 ? (
        <Stack align="center" mt="xl" gap={4}>
          <IconLink size={40} aria-hidden color="var(--mantine-color-dimmed)" />
          <Text fw={600}>No links yet</Text>
          <Text c="dimmed" size="sm" ta="center">
            Choose “Share…” in a file’s or folder’s menu to make one.
          </Text>
        </Stack>
      ) : (
        shares.data.items.map((share) => (
          <Stack key={share.id} gap={2}>
            <ShareItem share={share} showNode />
            {share.nodeKind === 'folder' && (
              <Anchor component={Link} to={`/folders/${share.nodeId}`} size="xs" ml="sm">
                Open the folder
              </Anchor>
            )}
          </Stack>
        ))
      )}
    </Stack>
  );
}
