import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { addMember, changeMemberRole, listMembers, listShared, removeMember } from '../../api/sdk.gen';
import type { AddMemberData, ListMembersResponse, ListSharedResponse } from '../../api/types.gen';
import { unwrap } from '../../app/api-client';

export type Member = ListMembersResponse['items'][number];
export type MemberRole = AddMemberData['body']['role'];
export type SharedItem = ListSharedResponse['items'][number];

const membersKey = (nodeId: string) => ['members', nodeId] as const;

/** Who a node is shared with. */
export function useMembers(nodeId: string) {
  return useQuery({
    queryKey: membersKey(nodeId),
    queryFn: () => unwrap(listMembers({ path: { id: nodeId } })),
  });
}

function useMemberChange<T>(nodeId: string, change: (variables: T) => Promise<unknown>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSettled: () => void queryClient.invalidateQueries({ queryKey: membersKey(nodeId) }),
  });
}

export const useAddMember = (nodeId: string) =>
  useMemberChange(nodeId, (body: AddMemberData['body']) => unwrap(addMember({ path: { id: nodeId }, body })));

export const useChangeMemberRole = (nodeId: string) =>
  useMemberChange(nodeId, ({ userId, role }: { userId: string; role: MemberRole }) =>
    unwrap(changeMemberRole({ path: { id: nodeId, userId }, body: { role } })),
  );

export const useRemoveMember = (nodeId: string) =>
  useMemberChange(nodeId, (userId: string) => unwrap(removeMember({ path: { id: nodeId, userId } })));

const sharedWithMeKey = ['shared-with-me'] as const;

/** What other users shared with me, newest first. */
export function useSharedWithMe() {
  return useQuery({ queryKey: sharedWithMeKey, queryFn: () => unwrap(listShared()) });
}

/** Gives up my membership of something shared with me. */
export function useLeaveShared(myId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (nodeId: string) => unwrap(removeMember({ path: { id: nodeId, userId: myId } })),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: sharedWithMeKey }),
  });
}
