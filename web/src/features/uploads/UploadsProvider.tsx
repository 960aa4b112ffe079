import { notifications } from '@mantine/notifications';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
} from 'react';
import { listUploads } from '../../api/sdk.gen';
import { errorMessage, unwrap } from '../../app/api-client';
import { meKey } from '../account/account.queries';
import { type PickedFile, placeInFolders } from './folder-tree';
import { httpTransport } from './http-transport';
import { UploadManager } from './upload-manager';

type Uploads = { manager: UploadManager; upload: (parentId: string, picked: PickedFile[]) => Promise<void> };

const UploadsContext = createContext<Uploads | null>(null);

/** Owns the upload queue for the signed-in user, and adopts unfinished sessions after a reload. */
export function UploadsProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [manager] = useState(
    () =>
      new UploadManager({
        transport: httpTransport,
        onFileCommitted: () => {
          void queryClient.invalidateQueries({ queryKey: ['folder'] });
          void queryClient.invalidateQueries({ queryKey: meKey });
        },
      }),
  );
  const unfinished = useQuery({
    queryKey: ['uploads', 'unfinished'],
    queryFn: () => unwrap(listUploads()),
    staleTime: Infinity,
  });
  // The queue lives as long as the signed-in user: signing out stops its transfers and empties it.
  useEffect(() => {
    manager.connect();
    return () => manager.disconnect();
  }, [manager]);
  useEffect(() => {
    if (unfinished.data) manager.adoptUnfinished(unfinished.data.uploads);
  }, [manager, unfinished.data]);

  const upload = useCallback(
    async (parentId: string, picked: PickedFile[]) => {
      if (picked.length === 0) return;
      try {
        const placed = await placeInFolders(parentId, picked);
        if (picked.some((p) => p.dirs.length > 0))
          void queryClient.invalidateQueries({ queryKey: ['folder'] });
        manager.add(placed);
      } catch (error) {
        notifications.show({
          color: 'red',
          title: 'Could not start the upload',
          message: errorMessage(error),
        });
      }
    },
    [manager, queryClient],
  );
  const value = useMemo(() => ({ manager, upload }), [manager, upload]);

  return <UploadsContext.Provider value={value}>{children}</UploadsContext.Provider>;
}

/** The queue and `upload`, without following its progress: a page that only starts uploads doesn't re-render with every progress update. */
export function useUploadActions(): Uploads {
  const context = useContext(UploadsContext);
  if (!context) throw new Error('useUploadActions outside UploadsProvider');
  return context;
}

/** The queue, `upload`, and the queue's items, re-rendering as they change. */
export function useUploads() {
  const context = useUploadActions();
  const items = useSyncExternalStore(context.manager.subscribe, context.manager.getSnapshot);
  return { ...context, items };
}
