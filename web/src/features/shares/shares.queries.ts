import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createShare, listShareEvents, listShares, revokeShare } from '../../api/sdk.gen';
import type { CreateShareData } from '../../api/types.gen';
import { unwrap } from '../../app/api-client';

const sharesKey = ['shares'] as const;

/** My links and drops, newest first; of one node when `nodeId` is given. */
export function useShares(nodeId?: string) {
  return useQuery({
    queryKey: [...sharesKey, nodeId ?? 'all'],
    queryFn: () => unwrap(listShares({ query: nodeId ? { nodeId } : undefined })),
  });
}

/** Makes a link or drop; the answer is the only time its token and URL are seen. */
export function useCreateShare() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateShareData['body']) => unwrap(createShare({ body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: sharesKey }),
  });
}

export function useRevokeShare() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(revokeShare({ path: { id } })),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: sharesKey }),
  });
}

const EVENTS_PAGE = 50;

/** A link's access log, newest first, a page at a time. */
export function useShareEvents(id: string) {
  return useInfiniteQuery({
    queryKey: [...sharesKey, id, 'events'],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(listShareEvents({ path: { id }, query: { limit: EVENTS_PAGE, cursor: pageParam } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}
