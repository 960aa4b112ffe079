import { Button, Center, Loader, Stack, Table, Text } from '@mantine/core';
import { errorMessage } from '../../app/api-client';
import { formatBytes, formatDate } from '../../ui/format';
import { useShareEvents } from './shares.queries';

const ACTION_LABEL = {
  view: 'Viewed',
  unlock: 'Unlocked',
  download: 'Downloaded',
  zip: 'Zip',
  drop: 'Dropped',
};

/** A link's access log: when, from which address, what was done, to what. */
export function ShareEvents({ shareId }: { shareId: string }) {
  const events = useShareEvents(shareId);
  if (events.isPending)
    return (
      <Center>
        <Loader size="sm" aria-label="Loading the access log" />
      </Center>
    );
  if (events.isError) return <Text c="red">{errorMessage(events.error)}</Text>;
  const items = events.data.pages.flatMap((page) => page.items);
  if (items.length === 0)
    return (
      <Text size="sm" c="dimmed">
        Nobody has used this link yet.
      </Text>
    );
  return (
    <Stack gap="xs">
      <Table.ScrollContainer minWidth={420}>
        <Table fz="xs" verticalSpacing={4} aria-label="Access log">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Time</Table.Th>
              <Table.Th>Address</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>What</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((event, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: events have no id, and a row holds no state
              <Table.Tr key={`${event.at}-${index}`} data-testid="share-event" data-action={event.action}>
                <Table.Td>{formatDate(event.at)}</Table.Td>
                <Table.Td>{event.address}</Table.Td>
                <Table.Td>{ACTION_LABEL[event.action]}</Table.Td>
                <Table.Td>
                  {event.name ?? '—'}
                  {event.bytes !== null && ` (${formatBytes(event.bytes)})`}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {events.hasNextPage && (
        <Button
          variant="subtle"
          size="xs"
          onClick={() => void events.fetchNextPage()}
          loading={events.isFetchingNextPage}
        >
          Show older
        </Button>
      )}
    </Stack>
  );
}
