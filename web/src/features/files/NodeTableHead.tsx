import { Table, VisuallyHidden } from '@mantine/core';

/**
 * The head of a plain (unsorted) list of nodes: name, size from phone width up, modified from
 * tablet width up, and a narrow column for one action.
 */
export function NodeTableHead({ action, actionWidth = 48 }: { action: string; actionWidth?: number }) {
  return (
    <Table.Thead>
      <Table.Tr>
        <Table.Th>Name</Table.Th>
        <Table.Th w={100} visibleFrom="xs">
          Size
        </Table.Th>
        <Table.Th w={190} visibleFrom="sm">
          Modified
        </Table.Th>
        <Table.Th w={actionWidth}>
          <VisuallyHidden>{action}</VisuallyHidden>
        </Table.Th>
      </Table.Tr>
    </Table.Thead>
  );
}
