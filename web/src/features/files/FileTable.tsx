import { Checkbox, Table, VisuallyHidden } from '@mantine/core';
import type { DragMove } from './drag-move';
import type { DriveNode, Sort } from './files.queries';
import { type NodeActions, NodeRow } from './NodeRow';
import type { RovingRows } from './roving-rows';
import { SortHeader } from './SortHeader';
import type { Selection } from './selection';

/**
 * The open folder's children as a grid: sortable columns, a checkbox per row and one for all,
 * rows that move by keyboard (`rows`), drag onto folders (`dragMove`), and describe their keys.
 */
export function FileTable(
  props: NodeActions & {
    nodes: DriveNode[];
    sort: Sort;
    onSort: (sort: Sort) => void;
    selection: Selection;
    rows: RovingRows;
    dragMove: DragMove;
  },
) {
  const { nodes, sort, onSort, selection, rows, dragMove } = props;
  return (
    <>
      <Table
        highlightOnHover
        verticalSpacing="xs"
        style={{ tableLayout: 'fixed' }}
        role="grid"
        aria-multiselectable
        aria-label="Files"
        aria-describedby="files-keys"
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={40}>
              <Checkbox
                aria-label="Select all"
                checked={selection.all}
                indeterminate={selection.some}
                onChange={selection.toggleAll}
              />
            </Table.Th>
            <SortHeader field="name" label="Name" sort={sort} onSort={onSort} />
            <SortHeader field="size" label="Size" sort={sort} onSort={onSort} w={100} visibleFrom="xs" />
            <SortHeader
              field="updatedAt"
              label="Modified"
              sort={sort}
              onSort={onSort}
              w={190}
              visibleFrom="sm"
            />
            <Table.Th w={84}>
              <VisuallyHidden>Actions</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody {...rows.bodyProps}>
          {nodes.map((node) => (
            <NodeRow
              key={node.id}
              node={node}
              selected={selection.selected.has(node.id)}
              onToggle={(shiftKey) => selection.toggle(node.id, shiftKey)}
              tabIndex={rows.controlTabIndex(node.id)}
              rowProps={{
                ...rows.rowProps(node.id),
                ...dragMove.dragSource(node.id),
                ...(node.kind === 'folder' ? dragMove.dropTarget(node.id) : {}),
              }}
              onRename={props.onRename}
              onMove={props.onMove}
              onTrash={props.onTrash}
              onShare={props.onShare}
            />
          ))}
        </Table.Tbody>
      </Table>
      <VisuallyHidden id="files-keys">
        Arrow keys move between rows, Space selects, Shift with an arrow selects a range, Enter opens, F2
        renames, Delete moves to the trash, Control+A selects all, Escape clears the selection.
      </VisuallyHidden>
    </>
  );
}
