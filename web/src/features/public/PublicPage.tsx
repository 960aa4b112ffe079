import { Center, Loader, Stack, Text, Title } from '@mantine/core';
import { useParams } from 'react-router';
import { ApiError, errorMessage } from '../../app/api-client';
import { DeadLink } from './DeadLink';
import { DropPage } from './DropPage';
import { PublicFile } from './PublicFile';
import { PublicFolder } from './PublicFolder';
import { PublicFrame } from './PublicFrame';
import { type PublicLink, usePublicLink } from './public.queries';
import { UnlockForm } from './UnlockForm';

/** `/s/{token}`: what a link shares, for anyone holding it, signed in or not. */
export function PublicPage() {
  const token = useParams().token ?? '';
  const link = usePublicLink(token);
  return (
    <PublicFrame>
      {link.isPending ? (
        <Center mt="xl">
          <Loader aria-label="Loading" />
        </Center>
      ) : link.isError ? (
        link.error instanceof ApiError && link.error.status === 404 ? (
          <DeadLink />
        ) : (
          <Stack align="center" mt="xl">
            <Title order={2}>This link can’t be opened right now</Title>
            <Text c="dimmed">{errorMessage(link.error)}</Text>
          </Stack>
        )
      ) : link.data.passwordRequired && !link.data.unlocked ? (
        <UnlockForm token={token} link={link.data} />
      ) : (
        <SharedContent token={token} link={link.data} />
      )}
    </PublicFrame>
  );
}

function SharedContent({ token, link }: { token: string; link: PublicLink }) {
  if (link.kind === 'drop') return <DropPage token={token} link={link} />;
  if (link.node.kind === 'file') return <PublicFile token={token} link={link} />;
  return <PublicFolder token={token} />;
}
