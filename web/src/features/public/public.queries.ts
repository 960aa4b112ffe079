import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { getPublicLink, unlockPublicLink } from '../../api/sdk.gen';
import type { GetPublicLinkResponse } from '../../api/types.gen';
import { unwrap } from '../../app/api-client';

export type PublicLink = GetPublicLinkResponse;

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
