import { Anchor, Breadcrumbs, Button, Center, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { IconDownload, IconFileZip } from '@tabler/icons-react';
import { Link, useSearchParams } from 'react-router';
import { errorMessage } from '../../app/api-client';
import { formatBytes, formatDate } from '../../ui/format';
import { NodeIcon } from '../files/NodeIcon';
import { NodeLink } from '../files/NodeLink';
import { NodeTableHead } from '../files/NodeTableHead';
import { type PublicNode, usePublicFolder } from './public.queries';
import { sharedFolderFileUrl, sharedZipUrl } from './public-links';

/** A shared folder: breadcrumbs from the shared folder down, its listing, per-file and zip downloads. */
export function PublicFolder({ token }: { token: string }) {
  const [params] = useSearchParams();
  const folderId = params.get('folder') ?? 'root';
  const listing = usePublicFolder(token, folderId);
  if (listing.isPending)
    return (
      <Center mt="xl">
        <Loader aria-label="Loading" />
      </Center>
    );
  if (listing.isError)
    return (
      <Stack align="center" mt="xl">
        <Title order={2}>This folder can’t be shown</Title>
        <Text c="dimmed">{errorMessage(listing.error)}</Text>
        <Anchor component={Link} to="?">
          Back to the shared folder
        </Anchor>
      </Stack>
    );
  const { folder, path } = listing.data.pages[0] ?? { folder: undefined, path: [] };
  const items = listing.data.pages.flatMap((page) => page.items);
  const atRoot = folderId === 'root';
  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Stack gap={4} style={{ minWidth: 0 }}>
          <Title order={1} size="h3" style={{ overflowWrap: 'anywhere' }}>
            {folder?.name}
          </Title>
          <nav aria-label="Folder path">
            <Breadcrumbs separatorMargin={6} style={{ flexWrap: 'wrap', rowGap: 4 }}>
              {path.map((crumb, index) =>
                index === path.length - 1 ? (
                  <Text key={crumb.id} fw={700} aria-current="page">
                    {crumb.name}
                  </Text>
                ) : (
                  <Anchor key={crumb.id} component={Link} to={index === 0 ? '?' : `?folder=${crumb.id}`}>
                    {crumb.name}
                  </Anchor>
                ),
              )}
            </Breadcrumbs>
          </nav>
        </Stack>
        <Button
          component="a"
          href={atRoot ? sharedZipUrl(token) : sharedZipUrl(token, [folderId])}
          download
          leftSection={<IconFileZip size={18} />}
        >
          {atRoot ? 'Download all' : 'Download this folder'}
        </Button>
      </Group>
      {items.length === 0 ? (
        <Text c="dimmed" ta="center" mt="lg" data-testid="empty-folder">
          This folder is empty.
        </Text>
      ) : (
        <Table verticalSpacing="xs" style={{ tableLayout: 'fixed' }} aria-label="Files">
          <NodeTableHead action="Download" actionWidth={56} />
          <Table.Tbody>
            {items.map((node) => (
              <PublicRow key={node.id} token={token} node={node} />
            ))}
          </Table.Tbody>
        </Table>
      )}
      {listing.hasNextPage && (
        <Button
          variant="default"
          onClick={() => void listing.fetchNextPage()}
          loading={listing.isFetchingNextPage}
        >
          Show more
        </Button>
      )}
    </Stack>
  );
}

function PublicRow({ token, node }: { token: string; node: PublicNode }) {
  const file = node.kind === 'file';
  const download = file ? sharedFolderFileUrl(token, node.id) : sharedZipUrl(token, [node.id]);
  return (
    <Table.Tr data-testid="public-row" data-name={node.name}>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <NodeIcon node={node} />
          <Stack gap={0} style={{ minWidth: 0 }}>
            <NodeLink node={node} fileUrl={download} folderTo={`?folder=${node.id}`} />
            {file && (
              <Text size="xs" c="dimmed" hiddenFrom="xs">
                {formatBytes(node.size)}
              </Text>
            )}
          </Stack>
        </Group>
      </Table.Td>
      <Table.Td visibleFrom="xs">{file ? formatBytes(node.size) : '—'}</Table.Td>
      <Table.Td visibleFrom="sm">{formatDate(node.updatedAt)}</Table.Td>
      <Table.Td>
        <Anchor
          href={download}
          download={file ? node.name : true}
          aria-label={file ? `Download ${node.name}` : `Download ${node.name} as a zip`}
          c="inherit"
        >
          {file ? <IconDownload size={18} /> : <IconFileZip size={18} />}
        </Anchor>
      </Table.Td>
    </Table.Tr>
  );
}
