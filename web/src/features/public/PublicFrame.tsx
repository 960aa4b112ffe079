import { Box, Container, Group, Text } from '@mantine/core';
import { IconCloud } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { ColorSchemeToggle } from '../../ui/ColorSchemeToggle';

/** The frame of a page someone opens from a link: no account, no navigation, just what was shared. */
export function PublicFrame({ children }: { children: ReactNode }) {
  return (
    <Box mih="100vh">
      <Box
        component="header"
        px="md"
        py="sm"
        style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}
      >
        <Group justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <IconCloud size={26} aria-hidden />
            <Text fw={700} size="lg">
              Fileshare
            </Text>
          </Group>
          <ColorSchemeToggle />
        </Group>
      </Box>
      <Container size="md" py="lg" px="md" component="main">
        {children}
      </Container>
    </Box>
  );
}
