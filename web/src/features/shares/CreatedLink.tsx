import { ActionIcon, Alert, Button, CopyButton, Group, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';

/**
 * The address of a link just made. Only its hash is kept, so this is the one time it is shown:
 * copy it now, or make a new link later.
 */
export function CreatedLink({ url, kind, onNew }: { url: string; kind: 'link' | 'drop'; onNew: () => void }) {
  return (
    <Alert color="green" title={kind === 'link' ? 'Link created' : 'File drop created'}>
      <Stack gap="xs">
        <Group gap="xs" wrap="nowrap">
          <TextInput
            aria-label="Link address"
            value={url}
            readOnly
            onFocus={(e) => e.currentTarget.select()}
            style={{ flex: 1, minWidth: 0 }}
          />
          <CopyButton value={url}>
            {({ copied, copy }) => (
              <Tooltip label={copied ? 'Copied' : 'Copy'}>
                <ActionIcon
                  variant="filled"
                  size="lg"
                  color={copied ? 'teal' : undefined}
                  onClick={copy}
                  aria-label="Copy link"
                >
                  {copied ? <IconCheck size={18} /> : <IconCopy size={18} />}
                </ActionIcon>
              </Tooltip>
            )}
          </CopyButton>
        </Group>
        <Text size="sm">
          Copy it now: it is shown only this once. If it is lost, make a new link and revoke this one.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" size="xs" onClick={onNew}>
            New link
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}
