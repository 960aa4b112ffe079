import { AppShell, Burger, Group, Menu, NavLink, Stack, Text, UnstyledButton } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconClock,
  IconCloud,
  IconFolder,
  IconLink,
  IconLogout,
  IconSettings,
  IconShield,
  IconStar,
  IconTrash,
  IconUserCircle,
  IconUsers,
} from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { type User, useSignOut } from '../features/account/account.queries';
import { StorageMeter } from '../features/account/StorageMeter';
import { SearchBox } from '../features/search/SearchBox';
import { ColorSchemeToggle } from './ColorSchemeToggle';

/** The frame around every signed-in page: header, navigation (a drawer at phone width), content. */
export function AppLayout({ user, children }: { user: User; children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  const signOut = useSignOut();
  const { pathname } = useLocation();
  const links = [
    {
      to: '/',
      label: 'My files',
      icon: IconFolder,
      active: pathname === '/' || pathname.startsWith('/folders/'),
    },
    { to: '/recent', label: 'Recent', icon: IconClock, active: pathname === '/recent' },
    { to: '/starred', label: 'Starred', icon: IconStar, active: pathname === '/starred' },
    {
      to: '/shared-with-me',
      label: 'Shared with me',
      icon: IconUsers,
      active: pathname === '/shared-with-me',
    },
    { to: '/shared', label: 'Shared links', icon: IconLink, active: pathname === '/shared' },
    { to: '/trash', label: 'Trash', icon: IconTrash, active: pathname === '/trash' },
    { to: '/account', label: 'Account', icon: IconSettings, active: pathname === '/account' },
    ...(user.isAdmin
      ? [{ to: '/admin', label: 'Administration', icon: IconShield, active: pathname === '/admin' }]
      : []),
  ];

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Navigation" />
            <IconCloud size={26} aria-hidden />
            <Text fw={700} size="lg" component={Link} to="/" c="inherit" td="none" visibleFrom="xs">
              Fileshare
            </Text>
          </Group>
          <SearchBox />
          <Group gap="xs" wrap="nowrap">
            <ColorSchemeToggle />
            <Menu position="bottom-end">
              <Menu.Target>
                <UnstyledButton aria-label={`Account menu for ${user.username}`}>
                  <Group gap={6} wrap="nowrap">
                    <IconUserCircle size={26} aria-hidden />
                    <Text size="sm" visibleFrom="xs" maw={140} truncate="end">
                      {user.username}
                    </Text>
                  </Group>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item component={Link} to="/account" leftSection={<IconSettings size={16} />}>
                  Account
                </Menu.Item>
                <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => signOut.mutate()}>
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main">
        <Stack justify="space-between" h="100%">
          <Stack gap={2}>
            {links.map((link) => (
              <NavLink
                key={link.to}
                component={Link}
                to={link.to}
                label={link.label}
                active={link.active}
                onClick={close}
                leftSection={<link.icon size={18} aria-hidden />}
                aria-current={link.active ? 'page' : undefined}
              />
            ))}
          </Stack>
          <StorageMeter user={user} />
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main style={{ minWidth: 0 }}>{children}</AppShell.Main>
    </AppShell>
  );
}
