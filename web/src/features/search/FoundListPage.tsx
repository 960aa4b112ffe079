import { Button, Center, Loader, Stack, Text, Title } from '@mantine/core';
import { IconClock, IconSearch, IconStar } from '@tabler/icons-react';
import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { errorMessage } from '../../app/api-client';
import { FoundTable } from './FoundTable';
import type { Found } from './location';
import { useRecent, useSearchResults, useStarred } from './search.queries';

type FoundPages = UseInfiniteQueryResult<InfiniteData<{ items: Found[]; nextCursor: string | null }>>;

/** A list of nodes from across the drive, a page at a time, with “Load more”. */
function FoundListPage(props: {
  title: string;
  list: FoundPages;
  empty: { icon: typeof IconStar; title: string; hint: string };
}) {
  const { list } = props;
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Stack gap="sm">
      <Title order={2} size="h3">
        {props.title}
      </Title>
      {list.isLoading ? (
        <Center mt="xl">
          <Loader aria-label="Loading" />
        </Center>
      ) : list.isError ? (
        <Text c="red">{errorMessage(list.error)}</Text>
      ) : items.length === 0 ? (
        <Stack align="center" mt="xl" gap={4} data-testid="found-empty">
          <props.empty.icon size={40} aria-hidden color="var(--mantine-color-dimmed)" />
          <Text fw={600}>{props.empty.title}</Text>
          <Text c="dimmed" size="sm" ta="center">
            {props.empty.hint}
          </Text>
        </Stack>
      ) : (
        <FoundTable items={items} label={props.title} />
      )}
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          Load more
        </Button>
      )}
    </Stack>
  );
}

export function RecentPage() {
  return (
    <FoundListPage
      title="Recent"
      list={useRecent()}
      empty={{
        icon: IconClock,
        title: 'Nothing yet',
        hint: 'Files you upload or change show here, the newest first.',
      }}
    />
  );
}

export function StarredPage() {
  return (
    <FoundListPage
      title="Starred"
      list={useStarred()}
      empty={{ icon: IconStar, title: 'No stars yet', hint: 'Star a file or folder to find it here.' }}
    />
  );
}

/** Every hit for `?q=`, for “See all results”. */
export function SearchResultsPage() {
  const q = (useSearchParams()[0].get('q') ?? '').trim();
  return (
    <FoundListPage
      title={q ? `Results for “${q}”` : 'Search'}
      list={useSearchResults(q)}
      empty={{
        icon: IconSearch,
        title: q ? 'Nothing found' : 'Type in the search box',
        hint: 'A name matches when it holds every word, in any case and with or without accents.',
      }}
    />
  );
}
