import { Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import { formatBytes, formatDate } from '../../ui/format';
import { NodeIcon } from '../files/NodeIcon';
import type { PublicLink } from './public.queries';
import { sharedFileUrl } from './public-links';

/** A shared file: its name and size, and a download button. */
export function PublicFile({ token, link }: { token: string; link: PublicLink }) {
  const { node } = link;
  return (
    <Card withBorder maw={520} mx="auto" mt="xl" padding="lg">
      <Stack align="center" gap="sm">
        <NodeIcon node={node} size={48} />
        <Title order={1} size="h3" ta="center" style={{ overflowWrap: 'anywhere' }}>
          {node.name}
        </Title>
        <Group gap="xs" c="dimmed">
          <Text size="sm">{formatBytes(node.size)}</Text>
          <Text size="sm">·</Text>
          <Text size="sm">{formatDate(node.updatedAt)}</Text>
        </Group>
        <Button
          component="a"
          href={sharedFileUrl(token)}
          download={node.name}
          size="md"
          leftSection={<IconDownload size={18} />}
        >
          Download
        </Button>
        {link.expiresAt && (
          <Text size="xs" c="dimmed">
            This link works until {formatDate(link.expiresAt)}.
          </Text>
        )}
      </Stack>
    </Card>
  );
}
