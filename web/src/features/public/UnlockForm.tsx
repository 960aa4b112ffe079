import { Alert, Button, Card, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../app/api-client';
import { type PublicLink, useUnlock } from './public.queries';

/** Asks for a link's password; the grant it earns is a cookie for this link alone. */
export function UnlockForm({ token, link }: { token: string; link: PublicLink }) {
  const [password, setPassword] = useState('');
  const unlock = useUnlock(token);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (password) unlock.mutate(password);
  };
  return (
    <Card withBorder maw={420} mx="auto" mt="xl" padding="lg">
      <form onSubmit={submit}>
        <Stack>
          <Stack gap={4} align="center">
            <IconLock size={36} aria-hidden />
            <Title order={2} size="h3" ta="center">
              “{link.node.name}” is protected
            </Title>
            <Text c="dimmed" size="sm" ta="center">
              Enter the password you were given with the link.
            </Text>
          </Stack>
          {unlock.isError && (
            <Alert color="red" role="alert">
              {errorMessage(unlock.error)}
            </Alert>
          )}
          <PasswordInput
            label="Password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            autoComplete="current-password"
            data-autofocus
            autoFocus
          />
          <Button type="submit" loading={unlock.isPending}>
            Unlock
          </Button>
        </Stack>
      </form>
    </Card>
  );
}
