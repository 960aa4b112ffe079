import { notifications } from '@mantine/notifications';
import type { DragEvent } from 'react';
import { errorMessage } from '../../app/api-client';

const NODES_MIME = 'application/x-fileshare-nodes';

/**
 * Moving rows by dragging them onto a folder (in the list or the breadcrumbs). A dragged row that
 * is selected carries the whole selection; dropping on the open folder, or a folder on itself,
 * moves nothing.
 */
export function useDragMove(options: {
  folderId: string;
  selected: ReadonlySet<string>;
  moveInto: (ids: string[], parentId: string) => Promise<void>;
}) {
  const { folderId, selected, moveInto } = options;
  return {
    /** Props of a row that can be dragged. */
    dragSource: (id: string) => ({
      draggable: true,
      onDragStart: (event: DragEvent) => {
        const ids = selected.has(id) ? [...selected] : [id];
        event.dataTransfer.setData(NODES_MIME, JSON.stringify(ids));
        event.dataTransfer.effectAllowed = 'move';
      },
    }),
    /** Props of a folder that takes dragged rows. */
    dropTarget: (targetId: string) => ({
      onDragOver: (event: DragEvent) => {
        if (event.dataTransfer.types.includes(NODES_MIME)) event.preventDefault();
      },
      onDrop: (event: DragEvent) => {
        const raw = event.dataTransfer.getData(NODES_MIME);
        if (!raw) return;
        event.preventDefault();
        event.stopPropagation();
        const ids = (JSON.parse(raw) as string[]).filter((id) => id !== targetId);
        if (targetId === folderId || ids.length === 0) return;
        moveInto(ids, targetId).catch((error) =>
          notifications.show({ color: 'red', title: 'Could not move', message: errorMessage(error) }),
        );
      },
    }),
  };
}

export type DragMove = ReturnType<typeof useDragMove>;
export type DropTarget = DragMove['dropTarget'];
