import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createAppPassword, listAppPasswords, revokeAppPassword } from '../../api/sdk.gen';
import type { CreateAppPasswordData } from '../../api/types.gen';
import { unwrap } from '../../app/api-client';

const appPasswordsKey = ['app-passwords'] as const;

export type NewAppPassword = CreateAppPasswordData['body'];

export function useAppPasswords() {
  return useQuery({ queryKey: appPasswordsKey, queryFn: () => unwrap(listAppPasswords()) });
}

export function useCreateAppPassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewAppPassword) => unwrap(createAppPassword({ body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: appPasswordsKey }),
  });
}

export function useRevokeAppPassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(revokeAppPassword({ path: { id } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: appPasswordsKey }),
  });
}
