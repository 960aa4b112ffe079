import { ActionIcon, Checkbox, Group, Menu, Stack, Table, Text } from '@mantine/core';
import {
  IconArrowsMove,
  IconDots,
  IconDownload,
  IconPencil,
  IconShare,
  IconTrash,
} from '@tabler/icons-react';
import type { HTMLAttributes } from 'react';
import { formatBytes, formatDate } from '../../ui/format';
import { StarMenuItem, StarToggle } from '../search/StarToggle';
import type { DriveNode } from './files.queries';
import { downloadUrl } from './links';
import { NodeIcon } from './NodeIcon';
import { NodeLink } from './NodeLink';

export type NodeActions = {
  onRename: (node: DriveNode) => void;
  onMove: (node: DriveNode) => void;
  onTrash: (node: DriveNode) => void;
  /** Absent where I may not share (a tree shared with me). */
  onShare?: (node: DriveNode) => void;
};

/**
 * One file or folder of the list: its checkbox, its link (a folder opens, a file downloads), size,
 * date and menu. `rowProps` come from the list (keyboard focus, dragging, dropping); `tabIndex` is
 * the row's controls' place in the tab order.
 */
export function NodeRow(
  props: NodeActions & {
    node: DriveNode;
    selected: boolean;
    onToggle: (shiftKey: boolean) => void;
    tabIndex: number;
    rowProps: HTMLAttributes<HTMLTableRowElement>;
  },
) {
  const { node, selected, tabIndex } = props;
  return (
    <Table.Tr
      data-testid="node-row"
      data-name={node.name}
      {...props.rowProps}
      className="mantine-focus-auto"
      style={{ outlineOffset: -2 }}
      aria-selected={selected}
      bg={selected ? 'var(--mantine-primary-color-light)' : undefined}
    >
      <Table.Td>
        <Checkbox
          aria-label={`Select ${node.name}`}
          tabIndex={tabIndex}
          checked={selected}
          onChange={() => {}}
          onClick={(event) => props.onToggle(event.shiftKey)}
        />
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <NodeIcon node={node} />
          <Stack gap={0} style={{ minWidth: 0 }}>
            <NodeLink node={node} tabIndex={tabIndex} />
            {node.kind === 'file' && (
              <Text size="xs" c="dimmed" hiddenFrom="xs">
                {formatBytes(node.size)}
              </Text>
            )}
          </Stack>
        </Group>
      </Table.Td>
      <Table.Td visibleFrom="xs">
        <Text
          size="sm"
          title={node.encoding === 'gzip' ? `Stored compressed: ${formatBytes(node.storedSize)}` : undefined}
        >
          {node.kind === 'file' ? formatBytes(node.size) : '—'}
        </Text>
      </Table.Td>
      <Table.Td visibleFrom="sm">{formatDate(node.updatedAt)}</Table.Td>
      <Table.Td>
        <Group gap={2} wrap="nowrap" justify="flex-end">
          <StarToggle node={node} tabIndex={tabIndex} />
          <NodeMenu {...props} />
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function NodeMenu(props: NodeActions & { node: DriveNode; tabIndex: number }) {
  const { node } = props;
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon
          variant="subtle"
          color="gray"
          aria-label={`Actions for ${node.name}`}
          tabIndex={props.tabIndex}
        >
          <IconDots size={18} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        {node.kind === 'file' && (
          <Menu.Item
            component="a"
            href={downloadUrl(node.id)}
            download={node.name}
            leftSection={<IconDownload size={16} />}
          >
            Download
          </Menu.Item>
        )}
        {node.kind === 'file' && (
          <Menu.Label>
            {formatBytes(node.size)}
            {node.encoding === 'gzip' ? `, stored as ${formatBytes(node.storedSize)} (gzip)` : ''}
          </Menu.Label>
        )}
        {props.onShare && (
          <Menu.Item leftSection={<IconShare size={16} />} onClick={() => props.onShare?.(node)}>
            Share…
          </Menu.Item>
        )}
        <Menu.Item leftSection={<IconPencil size={16} />} onClick={() => props.onRename(node)}>
          Rename
        </Menu.Item>
        <Menu.Item leftSection={<IconArrowsMove size={16} />} onClick={() => props.onMove(node)}>
          Move
        </Menu.Item>
        <StarMenuItem node={node} />
        <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => props.onTrash(node)}>
          Delete
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
