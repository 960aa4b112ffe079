import {
  Alert,
  Anchor,
  Button,
  Center,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconAlertCircle, IconCloud } from '@tabler/icons-react';
import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { errorMessage } from '../../app/api-client';
import { useRegistration, useSignIn } from './account.queries';

/**
 * Sign in or sign up: one form, two modes. Signing up asks for an invitation code when the server
 * takes accounts by invitation only (a link may carry it: /signup?invitation=…), and is not offered
 * when it takes none.
 */
export function AuthPage({ mode }: { mode: 'login' | 'register' }) {
  const signIn = useSignIn(mode);
  const registration = useRegistration();
  const [searchParams] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [invitation, setInvitation] = useState(searchParams.get('invitation') ?? '');
  const isLogin = mode === 'login';
  const needsInvitation = !isLogin && registration.data === 'invite';
  const closed = registration.data === 'closed';

  function submit(event: FormEvent) {
    event.preventDefault();
    signIn.mutate({
      username: username.trim(),
      password,
      ...(needsInvitation && { invitation: invitation.trim() }),
    });
  }

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={400}>
        <form onSubmit={submit} noValidate>
          <Stack>
            <Stack gap={4} align="center">
              <IconCloud size={40} aria-hidden />
              <Title order={1} size="h2">
                {isLogin ? 'Sign in to Fileshare' : 'Create your Fileshare account'}
              </Title>
            </Stack>
            {signIn.error && (
              <Alert
                color="red"
                icon={<IconAlertCircle />}
                role="alert"
                title={isLogin ? 'Could not sign in' : 'Could not sign up'}
              >
                {errorMessage(signIn.error)}
              </Alert>
            )}
            {!isLogin && closed && (
              <Alert color="yellow" icon={<IconAlertCircle />} title="Sign-up is closed">
                New accounts can't be created here. Ask an administrator for one.
              </Alert>
            )}
            {needsInvitation && (
              <TextInput
                label="Invitation code"
                description="Sign-up here is by invitation: paste the code an administrator gave you"
                autoComplete="off"
                required
                value={invitation}
                onChange={(e) => setInvitation(e.currentTarget.value)}
              />
            )}
            <TextInput
              label="Username"
              autoComplete="username"
              required
              value={username}
              onChange={(e) => setUsername(e.currentTarget.value)}
              description={isLogin ? undefined : '3–32 letters, digits, ".", "_" or "-"'}
            />
            <PasswordInput
              label="Password"
              autoComplete={isLogin ? 'current-password' : 'new-password'}
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={signIn.isPending} disabled={!isLogin && closed} fullWidth>
              {isLogin ? 'Sign in' : 'Sign up'}
            </Button>
            {!(isLogin && closed) && (
              <Text size="sm" ta="center">
                {isLogin ? 'No account yet? ' : 'Already have an account? '}
                <Anchor component={Link} to={isLogin ? '/signup' : '/login'}>
                  {isLogin ? 'Sign up' : 'Sign in'}
                </Anchor>
              </Text>
            )}
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
