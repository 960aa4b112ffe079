import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getPublicFolder, getPublicLink, unlockPublicLink } from '../../api/sdk.gen';
import type { GetPublicFolderResponse, GetPublicLinkResponse } from '../../api/types.gen';
import { unwrap } from '../../app/api-client';

export type PublicLink = GetPublicLinkResponse;
export type PublicNode = GetPublicFolderResponse['items'][number];

const publicKey = (token: string) => ['public', token] as const;

/**
 * What a link shares. Asked once per visit: every answer is a `view` in the owner's log, so it is
 * not asked again on focus.
 */
export function usePublicLink(token: string) {
  return useQuery({
    queryKey: publicKey(token),
    queryFn: () => unwrap(getPublicLink({ path: { token } })),
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
}

/** Trades the password for a grant; its cookie rides along with the link's requests from then on. */
export function useUnlock(token: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (password: string) => unwrap(unlockPublicLink({ path: { token }, body: { password } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: publicKey(token) }),
  });
}

const FOLDER_PAGE = 200;

/** A folder of a shared tree (`root`: the shared folder itself), a page at a time, with its path. */
export function usePublicFolder(token: string, id: string) {
  return useInfiniteQuery({
    queryKey: [...publicKey(token), 'folder', id],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        getPublicFolder({
          path: { token, id },
          query: { limit: FOLDER_PAGE, sort: 'name', order: 'asc', cursor: pageParam },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchOnWindowFocus: false,
  });
}
