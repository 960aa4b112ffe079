import { Center, Divider, Loader, Modal, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { errorMessage } from '../../app/api-client';
import type { DriveNode } from '../files/files.queries';
import { CreatedLink } from './CreatedLink';
import { PeopleSection } from './PeopleSection';
import { type CreatedShare, ShareForm } from './ShareForm';
import { ShareItem } from './ShareItem';
import { useShares } from './shares.queries';

/** Everything about sharing one file or folder: a new link or drop, the links it has, its people. */
export function ShareDialog({ node, onClose }: { node: DriveNode | null; onClose: () => void }) {
  const phone = useMediaQuery('(max-width: 36em)');
  const [created, setCreated] = useState<CreatedShare | null>(null);
  useEffect(() => {
    if (!node) setCreated(null);
  }, [node]);
  return (
    <Modal
      opened={node !== null}
      onClose={onClose}
      title={node ? `Share “${node.name}”` : ''}
      size="lg"
      fullScreen={phone}
    >
      {node && (
        <Stack>
          {created ? (
            <CreatedLink url={created.url} kind={created.kind} onNew={() => setCreated(null)} />
          ) : (
            <ShareForm node={node} onCreated={setCreated} />
          )}
          <Divider />
          <NodeShares nodeId={node.id} />
          <Divider />
          <PeopleSection nodeId={node.id} />
        </Stack>
      )}
    </Modal>
  );
}

function NodeShares({ nodeId }: { nodeId: string }) {
  const shares = useShares(nodeId);
  return (
    <Stack gap="xs" aria-label="Links" component="section">
      <Title order={4}>Links</Title>
      {shares.isPending ? (
        <Center>
          <Loader size="sm" aria-label="Loading links" />
        </Center>
      ) : shares.isError ? (
        <Text c="red">{errorMessage(shares.error)}</Text>
      ) : shares.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No links yet.
        </Text>
      ) : (
        shares.data.items.map((share) => <ShareItem key={share.id} share={share} />)
      )}
    </Stack>
  );
}
