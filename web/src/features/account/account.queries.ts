import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  changePassword,
  getMe,
  getRegistration,
  listSessions,
  login,
  logout,
  register,
  revokeSession,
  updateMe,
} from '../../api/sdk.gen';
import type { GetMeResponse } from '../../api/types.gen';
import { ApiError, unwrap } from '../../app/api-client';

export type User = GetMeResponse;

export const meKey = ['me'] as const;

/** Drops every cached answer but the current user's (which the app is watching) when the user changes. */
function forgetOtherQueries(queryClient: QueryClient) {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== meKey[0] });
}

/** The signed-in user, or null when there is no valid session. */
export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: async (): Promise<User | null> => {
      try {
        return await unwrap(getMe());
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 30_000,
  });
}

/** Who may register the next account here: anyone, someone with an invitation, or nobody. */
export function useRegistration() {
  return useQuery({
    queryKey: ['registration'],
    queryFn: async () => (await unwrap(getRegistration())).mode,
    staleTime: 60_000,
  });
}

export function useSignIn(mode: 'login' | 'register') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: { username: string; password: string; invitation?: string }) => {
      const { invitation, ...credentials } = body;
      const result = await unwrap(
        mode === 'login' ? login({ body: credentials }) : register({ body: { ...credentials, invitation } }),
      );
      return result.user;
    },
    onSuccess: (user) => {
      forgetOtherQueries(queryClient);
      queryClient.setQueryData(meKey, user);
    },
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(logout()),
    onSettled: () => {
      forgetOtherQueries(queryClient);
      queryClient.setQueryData(meKey, null);
    },
  });
}

export function useRenameAccount() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (username: string) => unwrap(updateMe({ body: { username } })),
    onSuccess: (user) => queryClient.setQueryData(meKey, user),
  });
}

export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) => unwrap(changePassword({ body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sessions'] }),
  });
}

export function useSessions() {
  return useQuery({ queryKey: ['sessions'], queryFn: () => unwrap(listSessions()) });
}

export function useRevokeSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(revokeSession({ path: { id } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['sessions'] }),
  });
}
