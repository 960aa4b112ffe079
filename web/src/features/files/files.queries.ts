import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  createFolder,
  emptyTrash,
  getFolder,
  listTrash,
  purgeNode,
  restoreNode,
  trashNode,
  updateNode,
} from '../../api/sdk.gen';
import type { GetFolderResponse } from '../../api/types.gen';
import { ApiError, unwrap } from '../../app/api-client';
import { meKey } from '../account/account.queries';

export type DriveNode = GetFolderResponse['children'][number];
export type SortField = 'name' | 'size' | 'updatedAt';
export type SortOrder = 'asc' | 'desc';
export type Sort = { field: SortField; order: SortOrder };

const PAGE = 200;

export const folderKey = (id: string) => ['folder', id] as const;

/** A folder and its children, a page at a time, sorted by the server. */
export function useFolder(id: string, sort: Sort) {
  return useInfiniteQuery({
    queryKey: [...folderKey(id), sort],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        getFolder({
          path: { id },
          query: { limit: PAGE, sort: sort.field, order: sort.order, cursor: pageParam },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/**
 * The chain of folders from the root down to `id`, for breadcrumbs. In a tree shared with me the
 * walk up ends at the first folder that is not mine to see: `sharedWithMe` says so, and the chain
 * starts at the shared folder.
 */
export function useAncestors(folder: DriveNode | undefined) {
  return useQuery({
    queryKey: ['ancestors', folder?.id, folder?.parentId],
    enabled: !!folder,
    queryFn: async () => {
      const folders: DriveNode[] = [];
      let parentId = folder?.parentId ?? null;
      // The root has no parent; stop there (and after a sane depth).
      while (parentId && folders.length < 64) {
        let parent: DriveNode;
        try {
          ({ folder: parent } = await unwrap(
            getFolder({ path: { id: parentId }, query: { limit: 1, sort: 'name', order: 'asc' } }),
          ));
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return { folders, sharedWithMe: true };
          throw error;
        }
        if (parent.parentId === null) break;
        folders.unshift(parent);
        parentId = parent.parentId;
      }
      return { folders, sharedWithMe: false };
    },
  });
}

function useInvalidateDrive() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ['folder'] });
    void queryClient.invalidateQueries({ queryKey: ['trash'] });
    void queryClient.invalidateQueries({ queryKey: ['ancestors'] });
    void queryClient.invalidateQueries({ queryKey: meKey });
  };
}

export function useCreateFolder() {
  const invalidate = useInvalidateDrive();
  return useMutation({
    mutationFn: (body: { parentId: string; name: string }) => unwrap(createFolder({ body })),
    onSuccess: invalidate,
  });
}

export function useUpdateNode() {
  const invalidate = useInvalidateDrive();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; name?: string; parentId?: string }) =>
      unwrap(updateNode({ path: { id }, body })),
    onSettled: invalidate,
  });
}

export function useTrashNodes() {
  const invalidate = useInvalidateDrive();
  return useMutation({
    mutationFn: async (ids: string[]) => {
      for (const id of ids) await unwrap(trashNode({ path: { id } }));
    },
    onSettled: invalidate,
  });
}

export function useTrash(sort: Sort) {
  return useQuery({
    queryKey: ['trash', sort],
    queryFn: () => unwrap(listTrash({ query: { limit: 1000, sort: sort.field, order: sort.order } })),
  });
}

export function useRestoreNodes() {
  const invalidate = useInvalidateDrive();
  return useMutation({
    mutationFn: async (ids: string[]) => {
      for (const id of ids) await unwrap(restoreNode({ path: { id } }));
    },
    onSettled: invalidate,
  });
}

export function usePurgeNodes() {
  const invalidate = useInvalidateDrive();
  return useMutation({
    mutationFn: async (ids: string[]) => {
      for (const id of ids) await unwrap(purgeNode({ path: { id } }));
    },
    onSettled: invalidate,
  });
}

export function useEmptyTrash() {
  const invalidate = useInvalidateDrive();
  return useMutation({ mutationFn: () => unwrap(emptyTrash()), onSettled: invalidate });
}
