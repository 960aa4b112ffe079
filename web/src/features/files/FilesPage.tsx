import { Button, Center, Loader, Stack, Text, Title } from '@mantine/core';
import { IconUpload } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { errorMessage } from '../../app/api-client';
import { useHighlightedRow } from '../search/highlight';
import { ShareDialog } from '../shares/ShareDialog';
import { useDragMove } from './drag-move';
import { FileTable } from './FileTable';
import { FolderBreadcrumbs } from './FolderBreadcrumbs';
import { FolderToolbar } from './FolderToolbar';
import {
  type DriveNode,
  type Sort,
  useAncestors,
  useCreateFolder,
  useFolder,
  useUpdateNode,
} from './files.queries';
import { MoveModal } from './MoveModal';
import { NameModal } from './NameModal';
import { useRovingRows } from './roving-rows';
import { SelectionToolbar } from './SelectionToolbar';
import { useSelection } from './selection';
import { useSelectionKeys } from './selection-keys';
import { useTrashWithUndo } from './trash-with-undo';

type Dialog =
  | { kind: 'new-folder' }
  | { kind: 'rename'; node: DriveNode }
  | { kind: 'move'; ids: string[] }
  | { kind: 'share'; node: DriveNode };

/** A folder of the drive: breadcrumbs, toolbars, the sortable list, and the dialogs. */
export function FilesPage() {
  const folderId = useParams().folderId ?? 'root';
  const [sort, setSort] = useState<Sort>({ field: 'name', order: 'asc' });
  const folder = useFolder(folderId, sort);
  const current = folder.data?.pages[0]?.folder;
  const ancestors = useAncestors(current);
  // Only the owner shares: in a tree shared with me there is no “Share…”.
  const ownTree = ancestors.data?.sharedWithMe === false;
  const children = folder.data?.pages.flatMap((page) => page.children) ?? [];
  const ids = children.map((child) => child.id);
  const selection = useSelection(ids);
  const selectedIds = [...selection.selected];
  const createFolder = useCreateFolder();
  const updateNode = useUpdateNode();
  const trash = useTrashWithUndo(selection.clear);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const close = () => setDialog(null);
  const rename = (node: DriveNode | undefined) => node && setDialog({ kind: 'rename', node });
  const openedFromList = (useLocation().state as { focusList?: boolean } | null)?.focusList === true;
  const rows = useRovingRows(
    ids,
    {
      toggle: (id) => selection.toggle(id, false),
      extend: selection.extend,
      moveTo: selection.moveAnchor,
      rename: (id) => rename(children.find((child) => child.id === id)),
    },
    openedFromList,
  );

  const moveInto = async (ids: string[], parentId: string) => {
    for (const id of ids) await updateNode.mutateAsync({ id, parentId });
    selection.clear();
  };
  useHighlightedRow(ids, folder, (id) => selection.selected.has(id) || selection.toggle(id, false));
  const dragMove = useDragMove({ folderId, selected: selection.selected, moveInto });

  useSelectionKeys({
    enabled: dialog === null,
    selectAll: () => !selection.all && selection.toggleAll(),
    clear: selection.clear,
    trashSelected: () => {
      const ids =
        selectedIds.length > 0 ? selectedIds : [rows.focusedRowId()].filter((id) => id !== undefined);
      if (ids.length > 0) trash(ids);
    },
  });

  if (folder.isError) {
    return (
      <Stack align="center" mt="xl">
        <Title order={2}>This folder can’t be shown</Title>
        <Text c="dimmed">{errorMessage(folder.error)}</Text>
        <Button component={Link} to="/">
          Go to My files
        </Button>
      </Stack>
    );
  }

  return (
    <Stack gap="sm">
      <FolderBreadcrumbs
        folderId={folderId}
        current={current}
        ancestors={ancestors.data}
        dropTarget={dragMove.dropTarget}
      />
      <FolderToolbar
        folderId={folderId}
        onNewFolder={() => setDialog({ kind: 'new-folder' })}
        onShare={
          current && current.parentId !== null && ownTree
            ? () => setDialog({ kind: 'share', node: current })
            : undefined
        }
      />
      {selection.count > 0 && (
        <SelectionToolbar
          selectedIds={selectedIds}
          onMove={() => setDialog({ kind: 'move', ids: selectedIds })}
          onTrash={() => trash(selectedIds)}
          onClear={selection.clear}
        />
      )}

      {folder.isPending ? (
        <Center mt="xl">
          <Loader aria-label="Loading" />
        </Center>
      ) : children.length === 0 ? (
        <Stack align="center" mt="xl" gap={4} data-testid="empty-folder">
          <IconUpload size={40} aria-hidden color="var(--mantine-color-dimmed)" />
          <Text fw={600}>This folder is empty</Text>
          <Text c="dimmed" size="sm" ta="center">
            Drop files or folders anywhere on the page, or use “Upload files”.
          </Text>
        </Stack>
      ) : (
        <FileTable
          nodes={children}
          sort={sort}
          onSort={setSort}
          selection={selection}
          rows={rows}
          dragMove={dragMove}
          onRename={rename}
          onMove={(node) => setDialog({ kind: 'move', ids: [node.id] })}
          onTrash={(node) => trash([node.id])}
          onShare={ownTree ? (node) => setDialog({ kind: 'share', node }) : undefined}
        />
      )}
      {folder.hasNextPage && (
        <Button
          variant="default"
          onClick={() => void folder.fetchNextPage()}
          loading={folder.isFetchingNextPage}
        >
          Show more
        </Button>
      )}

      <NameModal
        opened={dialog?.kind === 'new-folder'}
        title="New folder"
        label="Folder name"
        submitLabel="Create"
        initialName=""
        onClose={close}
        onSubmit={(name) => createFolder.mutateAsync({ parentId: folderId, name })}
      />
      <NameModal
        opened={dialog?.kind === 'rename'}
        title="Rename"
        label="New name"
        submitLabel="Rename"
        initialName={dialog?.kind === 'rename' ? dialog.node.name : ''}
        onClose={close}
        onSubmit={(name) => updateNode.mutateAsync({ id: (dialog as { node: DriveNode }).node.id, name })}
      />
      <ShareDialog node={dialog?.kind === 'share' ? dialog.node : null} onClose={close} />
      <MoveModal
        opened={dialog?.kind === 'move'}
        count={dialog?.kind === 'move' ? dialog.ids.length : 0}
        excludeIds={dialog?.kind === 'move' ? dialog.ids : []}
        onClose={close}
        onMove={(parentId) => moveInto(dialog?.kind === 'move' ? dialog.ids : [], parentId)}
      />
    </Stack>
  );
}
