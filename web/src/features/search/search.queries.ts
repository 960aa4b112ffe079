import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { listRecent, listStarred, search, starNode, unstarNode } from '../../api/sdk.gen';
import { errorMessage, unwrap } from '../../app/api-client';

const PAGE = 50;
const recentKey = ['recent'] as const;
const starredListKey = ['starred', 'list'] as const;
const starredIdsKey = ['starred', 'ids'] as const;

/** The first few hits for a query, for the box in the header. */
export const searchFirstHits = (q: string, signal: AbortSignal) =>
  unwrap(search({ query: { q, limit: 8 }, signal }));

type FoundPage = Awaited<ReturnType<typeof searchFirstHits>>;

/** A list of nodes from across the drive, read a page at a time after the cursor. */
function useFoundPages(
  queryKey: readonly unknown[],
  read: (cursor: string | undefined, signal: AbortSignal) => Promise<FoundPage>,
  enabled = true,
) {
  return useInfiniteQuery({
    queryKey,
    enabled,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => read(pageParam, signal),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Every hit for a query. */
export const useSearchResults = (q: string) =>
  useFoundPages(
    ['search', q],
    (cursor, signal) => unwrap(search({ query: { q, limit: PAGE, cursor }, signal })),
    q !== '',
  );

/** My files, newest change first. */
export const useRecent = () =>
  useFoundPages(recentKey, (cursor, signal) =>
    unwrap(listRecent({ query: { limit: PAGE, cursor }, signal })),
  );

/** What I starred, most recently starred first. */
export const useStarred = () =>
  useFoundPages(starredListKey, (cursor, signal) =>
    unwrap(listStarred({ query: { limit: PAGE, cursor }, signal })),
  );

/**
 * The ids of everything I starred, read once (every page) and then kept current by the toggles
 * here, so each row of a folder knows its star without asking.
 */
export function useStarredIds() {
  return useQuery({
    queryKey: starredIdsKey,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async () => {
      const ids = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await unwrap(listStarred({ query: { limit: 200, cursor } }));
        for (const { node } of page.items) ids.add(node.id);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return ids;
    },
  });
}

/** Stars or unstars a node, showing the change at once and taking it back if the server refuses. */
export function useToggleStar() {
  const queryClient = useQueryClient();
  const markStarred = (id: string, starred: boolean) =>
    queryClient.setQueryData<Set<string>>(starredIdsKey, (ids) => {
      const next = new Set(ids);
      if (starred) next.add(id);
      else next.delete(id);
      return next;
    });
  return useMutation({
    mutationFn: ({ id, starred }: { id: string; name: string; starred: boolean }) =>
      unwrap(starred ? starNode({ path: { id } }) : unstarNode({ path: { id } })),
    onMutate: async ({ id, starred }) => {
      await queryClient.cancelQueries({ queryKey: starredIdsKey });
      markStarred(id, starred);
    },
    onError: (error, { id, name, starred }) => {
      // Only this node's star goes back: other toggles may have happened meanwhile.
      markStarred(id, !starred);
      notifications.show({
        color: 'red',
        title: starred ? `Could not star “${name}”` : `Could not unstar “${name}”`,
        message: errorMessage(error),
      });
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: starredListKey }),
  });
}

/** Whether a node is starred, and the toggle. */
export function useStar(id: string, name: string) {
  const ids = useStarredIds();
  const toggle = useToggleStar();
  const starred = ids.data?.has(id) ?? false;
  return { starred, known: ids.isSuccess, toggle: () => toggle.mutate({ id, name, starred: !starred }) };
}
