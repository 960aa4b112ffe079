import { Anchor, Group, Stack, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { formatBytes, formatDate } from '../../ui/format';
import { downloadUrl } from '../files/links';
import { NodeIcon } from '../files/NodeIcon';
import { NodeTableHead } from '../files/NodeTableHead';
import { containerLink, type Found, locationLabel } from './location';
import { StarToggle } from './StarToggle';

/**
 * Nodes from anywhere in the drive (search hits, recent files, stars), in the folder list's look:
 * each with where it is, which opens its folder with it highlighted.
 */
export function FoundTable({ items, label }: { items: Found[]; label: string }) {
  return (
    <Table highlightOnHover verticalSpacing="xs" style={{ tableLayout: 'fixed' }} aria-label={label}>
      <NodeTableHead action="Star" />
      <Table.Tbody>
        {items.map((found) => (
          <FoundRow key={found.node.id} found={found} />
        ))}
      </Table.Tbody>
    </Table>
  );
}

function FoundRow({ found }: { found: Found }) {
  const { node, location } = found;
  const where = locationLabel(location);
  const container = containerLink(found);
  return (
    <Table.Tr data-testid="found-row" data-name={node.name}>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <NodeIcon node={node} />
          <Stack gap={0} style={{ minWidth: 0 }}>
            {node.kind === 'folder' ? (
              <Anchor component={Link} to={`/folders/${node.id}`} truncate="end" c="inherit" fw={500}>
                {node.name}
              </Anchor>
            ) : (
              <Anchor href={downloadUrl(node.id)} download={node.name} truncate="end" c="inherit">
                {node.name}
              </Anchor>
            )}
            {container ? (
              <Anchor
                component={Link}
                to={container}
                size="xs"
                c="dimmed"
                truncate="end"
                aria-label={`Open ${where}`}
                data-testid="found-location"
              >
                {where}
              </Anchor>
            ) : (
              <Text size="xs" c="dimmed" truncate="end" data-testid="found-location">
                {where}
              </Text>
            )}
          </Stack>
        </Group>
      </Table.Td>
      <Table.Td visibleFrom="xs">
        <Text size="sm">{node.kind === 'file' ? formatBytes(node.size) : '—'}</Text>
      </Table.Td>
      <Table.Td visibleFrom="sm">{formatDate(node.updatedAt)}</Table.Td>
      <Table.Td>
        <StarToggle node={node} />
      </Table.Td>
    </Table.Tr>
  );
}
