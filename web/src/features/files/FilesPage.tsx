import {
  ActionIcon,
  Anchor,
  Breadcrumbs,
  Button,
  Center,
  Checkbox,
  FileButton,
  Group,
  Loader,
  Menu,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import {
  IconArrowsMove,
  IconDots,
  IconDownload,
  IconFolderPlus,
  IconFolderUp,
  IconPencil,
  IconTrash,
  IconUpload,
} from '@tabler/icons-react';
import { type DragEvent, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { errorMessage } from '../../app/api-client';
import { formatBytes, formatDate } from '../../ui/format';
import { filesFromFolderInput } from '../uploads/folder-tree';
import { useUploadActions } from '../uploads/UploadsProvider';
import {
  type DriveNode,
  type Sort,
  useAncestors,
  useCreateFolder,
  useFolder,
  useRestoreNodes,
  useTrashNodes,
  useUpdateNode,
} from './files.queries';
import { MoveModal } from './MoveModal';
import { NameModal } from './NameModal';
import { NodeIcon } from './NodeIcon';
import { useRovingRows } from './roving-rows';
import { SortHeader } from './SortHeader';
import { useSelection } from './selection';

const NODES_MIME = 'application/x-fileshare-nodes';

export const downloadUrl = (id: string) => `/api/v1/files/${encodeURIComponent(id)}/content`;
/** A plain link, so the browser's own download manager streams the zip. */
export const zipUrl = (ids: string[]) =>
  `/api/v1/zip?${ids.map((id) => `ids=${encodeURIComponent(id)}`).join('&')}`;

/** A folder of the drive: breadcrumbs, toolbar, the sortable list, and the dialogs. */
export function FilesPage() {
  const folderId = useParams().folderId ?? 'root';
  const [sort, setSort] = useState<Sort>({ field: 'name', order: 'asc' });
  const folder = useFolder(folderId, sort);
  const current = folder.data?.pages[0]?.folder;
  const ancestors = useAncestors(current);
  const children = folder.data?.pages.flatMap((page) => page.children) ?? [];
  const ids = children.map((child) => child.id);
  const selection = useSelection(ids);
  const { upload } = useUploadActions();
  const createFolder = useCreateFolder();
  const updateNode = useUpdateNode();
  const trashNodes = useTrashNodes();
  const restoreNodes = useRestoreNodes();
  const folderInput = useRef<HTMLInputElement>(null);
  const [dialog, setDialog] = useState<
    { kind: 'new-folder' } | { kind: 'rename'; node: DriveNode } | { kind: 'move'; ids: string[] } | null
  >(null);
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

  const trash = (ids: string[]) =>
    trashNodes.mutate(ids, {
      onSuccess: () => {
        selection.clear();
        const notice = notifications.show({
          message: (
            <Group justify="space-between" wrap="nowrap">
              <Text size="sm">
                {ids.length === 1 ? 'Moved to the trash.' : `${ids.length} items moved to the trash.`}
              </Text>
              <Button
                size="compact-sm"
                variant="subtle"
                onClick={() => {
                  notifications.hide(notice);
                  restoreNodes.mutate(ids, {
                    onError: (error) =>
                      notifications.show({
                        color: 'red',
                        title: 'Could not undo',
                        message: errorMessage(error),
                      }),
                  });
                }}
              >
                Undo
              </Button>
            </Group>
          ),
        });
      },
      onError: (error) =>
        notifications.show({ color: 'red', title: 'Could not delete', message: errorMessage(error) }),
    });

  const moveInto = async (ids: string[], parentId: string) => {
    for (const id of ids) await updateNode.mutateAsync({ id, parentId });
    selection.clear();
  };

  const onRowDragStart = (event: DragEvent, node: DriveNode) => {
    const ids = selection.selected.has(node.id) ? [...selection.selected] : [node.id];
    event.dataTransfer.setData(NODES_MIME, JSON.stringify(ids));
    event.dataTransfer.effectAllowed = 'move';
  };
  /** Drop targets for rows dragged from the list: folders in the list and the breadcrumbs. */
  const dropInto = (targetId: string) => ({
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
  });

  const selectedIds = [...selection.selected];
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
      <nav aria-label="Folder path">
        <Breadcrumbs separatorMargin={6} style={{ flexWrap: 'wrap', rowGap: 4 }}>
          <Anchor component={Link} to="/" fw={folderId === 'root' ? 700 : 400} {...dropInto('root')}>
            My files
          </Anchor>
          {ancestors.data?.map((ancestor) => (
            <Anchor
              key={ancestor.id}
              component={Link}
              to={`/folders/${ancestor.id}`}
              {...dropInto(ancestor.id)}
            >
              {ancestor.name}
            </Anchor>
          ))}
          {current && current.parentId !== null && (
            <Text fw={700} aria-current="page">
              {current.name}
            </Text>
          )}
        </Breadcrumbs>
      </nav>

      <Group gap="xs">
        <FileButton
          multiple
          onChange={(files) =>
            void upload(
              folderId,
              files.map((file) => ({ file, dirs: [] })),
            )
          }
        >
          {(props) => (
            <Button {...props} leftSection={<IconUpload size={16} />}>
              Upload files
            </Button>
          )}
        </FileButton>
        <Button
          variant="default"
          leftSection={<IconFolderUp size={16} />}
          onClick={() => folderInput.current?.click()}
        >
          Upload folder
        </Button>
        <input
          ref={folderInput}
          type="file"
          hidden
          multiple
          // @ts-expect-error: a non-standard attribute every current browser supports.
          webkitdirectory=""
          aria-label="Upload folder"
          onChange={(event) => {
            const files = [...(event.currentTarget.files ?? [])];
            event.currentTarget.value = '';
            void upload(folderId, filesFromFolderInput(files));
          }}
        />
        <Button
          variant="default"
          leftSection={<IconFolderPlus size={16} />}
          onClick={() => setDialog({ kind: 'new-folder' })}
        >
          New folder
        </Button>
      </Group>

      {selection.count > 0 && (
        <Group gap="xs" role="toolbar" aria-label="Selected items">
          <Text size="sm" fw={600}>
            {selection.count} selected
          </Text>
          <Button
            size="xs"
            variant="light"
            leftSection={<IconArrowsMove size={14} />}
            onClick={() => setDialog({ kind: 'move', ids: selectedIds })}
          >
            Move
          </Button>
          <Button
            size="xs"
            variant="light"
            color="red"
            leftSection={<IconTrash size={14} />}
            onClick={() => trash(selectedIds)}
          >
            Delete
          </Button>
          <Button
            size="xs"
            variant="light"
            leftSection={<IconDownload size={14} />}
            component="a"
            href={zipUrl(selectedIds)}
            download
          >
            Download as zip
          </Button>
          <Button size="xs" variant="subtle" onClick={selection.clear}>
            Clear selection
          </Button>
        </Group>
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
        <Table
          highlightOnHover
          verticalSpacing="xs"
          style={{ tableLayout: 'fixed' }}
          role="grid"
          aria-multiselectable
          aria-label="Files"
          aria-describedby="files-keys"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40}>
                <Checkbox
                  aria-label="Select all"
                  checked={selection.all}
                  indeterminate={selection.some}
                  onChange={selection.toggleAll}
                />
              </Table.Th>
              <SortHeader field="name" label="Name" sort={sort} onSort={setSort} />
              <SortHeader field="size" label="Size" sort={sort} onSort={setSort} w={100} visibleFrom="xs" />
              <SortHeader
                field="updatedAt"
                label="Modified"
                sort={sort}
                onSort={setSort}
                w={190}
                visibleFrom="sm"
              />
              <Table.Th w={48}>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody {...rows.bodyProps}>
            {children.map((node) => (
              <Table.Tr
                key={node.id}
                data-testid="node-row"
                data-name={node.name}
                {...rows.rowProps(node.id)}
                className="mantine-focus-auto"
                style={{ outlineOffset: -2 }}
                aria-selected={selection.selected.has(node.id)}
                bg={selection.selected.has(node.id) ? 'var(--mantine-primary-color-light)' : undefined}
                draggable
                onDragStart={(event) => onRowDragStart(event, node)}
                {...(node.kind === 'folder' ? dropInto(node.id) : {})}
              >
                <Table.Td>
                  <Checkbox
                    aria-label={`Select ${node.name}`}
                    tabIndex={rows.controlTabIndex(node.id)}
                    checked={selection.selected.has(node.id)}
                    onChange={() => {}}
                    onClick={(event) => selection.toggle(node.id, event.shiftKey)}
                  />
                </Table.Td>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    <NodeIcon node={node} />
                    <Stack gap={0} style={{ minWidth: 0 }}>
                      {node.kind === 'folder' ? (
                        <Anchor
                          component={Link}
                          to={`/folders/${node.id}`}
                          state={{ focusList: true }}
                          tabIndex={rows.controlTabIndex(node.id)}
                          truncate="end"
                          c="inherit"
                          fw={500}
                        >
                          {node.name}
                        </Anchor>
                      ) : (
                        <Anchor
                          href={downloadUrl(node.id)}
                          download={node.name}
                          tabIndex={rows.controlTabIndex(node.id)}
                          truncate="end"
                          c="inherit"
                        >
                          {node.name}
                        </Anchor>
                      )}
                      {node.kind === 'file' && (
                        <Text size="xs" c="dimmed" hiddenFrom="xs">
                          {formatBytes(node.size)}
                        </Text>
                      )}
                    </Stack>
                  </Group>
                </Table.Td>
                <Table.Td visibleFrom="xs">
                  <Text
                    size="sm"
                    title={
                      node.encoding === 'gzip'
                        ? `Stored compressed: ${formatBytes(node.storedSize)}`
                        : undefined
                    }
                  >
                    {node.kind === 'file' ? formatBytes(node.size) : '—'}
                  </Text>
                </Table.Td>
                <Table.Td visibleFrom="sm">
                  <Text size="sm">{formatDate(node.updatedAt)}</Text>
                </Table.Td>
                <Table.Td>
                  <NodeMenu
                    node={node}
                    tabIndex={rows.controlTabIndex(node.id)}
                    onRename={() => rename(node)}
                    onMove={() => setDialog({ kind: 'move', ids: [node.id] })}
                    onTrash={() => trash([node.id])}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <VisuallyHidden id="files-keys">
        Arrow keys move between rows, Space selects, Shift with an arrow selects a range, Enter opens, F2
        renames, Delete moves to the trash, Control+A selects all, Escape clears the selection.
      </VisuallyHidden>
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

function NodeMenu(props: {
  node: DriveNode;
  tabIndex: number;
  onRename: () => void;
  onMove: () => void;
  onTrash: () => void;
}) {
  const { node } = props;
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon
          variant="subtle"
          color="gray"
          aria-label={`Actions for ${node.name}`}
          tabIndex={props.tabIndex}
        >
          <IconDots size={18} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        {node.kind === 'file' && (
          <Menu.Item
            component="a"
            href={downloadUrl(node.id)}
            download={node.name}
            leftSection={<IconDownload size={16} />}
          >
            Download
          </Menu.Item>
        )}
        {node.kind === 'file' && (
          <Menu.Label>
            {formatBytes(node.size)}
            {node.encoding === 'gzip' ? `, stored as ${formatBytes(node.storedSize)} (gzip)` : ''}
          </Menu.Label>
        )}
        <Menu.Item leftSection={<IconPencil size={16} />} onClick={props.onRename}>
          Rename
        </Menu.Item>
        <Menu.Item leftSection={<IconArrowsMove size={16} />} onClick={props.onMove}>
          Move
        </Menu.Item>
        <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={props.onTrash}>
          Delete
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

/**
 * Keyboard for the page (outside text fields and dialogs): Ctrl/⌘+A selects everything, Escape
 * clears the selection, Delete moves the selection (or else the focused row) to the trash.
 */
function useSelectionKeys(actions: {
  enabled: boolean;
  selectAll: () => void;
  clear: () => void;
  trashSelected: () => void;
}) {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const { enabled, selectAll, clear, trashSelected } = latest.current;
      const target = event.target as HTMLElement | null;
      const typing =
        target?.isContentEditable ||
        target?.tagName === 'TEXTAREA' ||
        (target?.tagName === 'INPUT' &&
          !['checkbox', 'radio', 'button'].includes((target as HTMLInputElement).type));
      // Keys typed in an open dialog or menu (focus is trapped there) are theirs.
      if (!enabled || typing || target?.closest('[role="dialog"], [role="menu"]')) return;
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'a') {
        event.preventDefault();
        selectAll();
      } else if (event.key === 'Escape') clear();
      else if (event.key === 'Delete') trashSelected();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
