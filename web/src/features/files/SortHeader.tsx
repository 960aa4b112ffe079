import { Group, Table, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp } from '@tabler/icons-react';
import type { Sort, SortField } from './files.queries';

/** A column header that sorts by its field; a second click flips the order. */
export function SortHeader(props: {
  field: SortField;
  label: string;
  sort: Sort;
  onSort: (sort: Sort) => void;
  visibleFrom?: 'xs' | 'sm' | 'md';
  w?: number | string;
}) {
  const { field, sort } = props;
  const active = sort.field === field;
  return (
    <Table.Th
      visibleFrom={props.visibleFrom}
      w={props.w}
      aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <UnstyledButton
        onClick={() => props.onSort({ field, order: active && sort.order === 'asc' ? 'desc' : 'asc' })}
        fw={600}
        fz="sm"
      >
        <Group gap={4} wrap="nowrap">
          {props.label}
          {active &&
            (sort.order === 'asc' ? (
              <IconArrowUp size={14} aria-hidden />
            ) : (
              <IconArrowDown size={14} aria-hidden />
            ))}
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}
