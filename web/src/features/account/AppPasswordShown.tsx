import { Button, Code, CopyButton, Group, Modal, Stack, Text } from '@mantine/core';

/** A new app password, shown this once, with what a WebDAV client asks for. */
export function AppPasswordShown({
  password,
  username,
  onClose,
}: {
  password: string | null;
  username: string;
  onClose: () => void;
}) {
  const davUrl = `${window.location.origin}/dav/`;
  return (
    <Modal opened={password !== null} onClose={onClose} title="App password made">
      <Stack>
        <Text size="sm">
          Copy it now: it is shown only once. Use it as the password in the app, with your username, or as a
          bearer token for the API.
        </Text>
        <Code block data-testid="app-password">
          {password}
        </Code>
        <Text size="sm">
          WebDAV address: <Code data-testid="webdav-url">{davUrl}</Code>, username <Code>{username}</Code>
        </Text>
        <Group justify="flex-end">
          <CopyButton value={davUrl}>
            {({ copied, copy }) => (
              <Button variant="default" onClick={copy}>
                {copied ? 'Address copied' : 'Copy WebDAV address'}
              </Button>
            )}
          </CopyButton>
          <CopyButton value={password ?? ''}>
            {({ copied, copy }) => (
              <Button onClick={copy}>{copied ? 'Password copied' : 'Copy password'}</Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Modal>
  );
}
