import { Button, Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { errorMessage } from '../../app/api-client';
import { useRestoreNodes, useTrashNodes } from './files.queries';

/**
 * Moves nodes to the trash and says so in a notice that offers Undo (a restore of the same nodes),
 * as Drive does; deleting for good is the trash page's.
 */
export function useTrashWithUndo(onTrashed: () => void) {
  const trashNodes = useTrashNodes();
  const restoreNodes = useRestoreNodes();

  const undo = (notice: string, ids: string[]) => {
    notifications.hide(notice);
    restoreNodes.mutate(ids, {
      onError: (error) =>
        notifications.show({ color: 'red', title: 'Could not undo', message: errorMessage(error) }),
    });
  };

  return (ids: string[]) =>
    trashNodes.mutate(ids, {
      onSuccess: () => {
        onTrashed();
        const notice = notifications.show({
          message: (
            <Group justify="space-between" wrap="nowrap">
              <Text size="sm">
                {ids.length === 1 ? 'Moved to the trash.' : `${ids.length} items moved to the trash.`}
              </Text>
              <Button size="compact-sm" variant="subtle" onClick={() => undo(notice, ids)}>
                Undo
              </Button>
            </Group>
          ),
        });
      },
      onError: (error) =>
        notifications.show({ color: 'red', title: 'Could not delete', message: errorMessage(error) }),
    });
}
