import { Anchor, Breadcrumbs, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { DropTarget } from './drag-move';
import type { DriveNode } from './files.queries';

/**
 * Where the open folder is, from My files (or Shared with me) down; each folder above it takes
 * dragged rows.
 */
export function FolderBreadcrumbs(props: {
  folderId: string;
  current: DriveNode | undefined;
  ancestors: { folders: DriveNode[]; sharedWithMe: boolean } | undefined;
  dropTarget: DropTarget;
}) {
  const { folderId, current, ancestors, dropTarget } = props;
  return (
    <nav aria-label="Folder path">
      <Breadcrumbs separatorMargin={6} style={{ flexWrap: 'wrap', rowGap: 4 }}>
        {ancestors?.sharedWithMe ? (
          <Anchor component={Link} to="/shared-with-me">
            Shared with me
          </Anchor>
        ) : (
          <Anchor component={Link} to="/" fw={folderId === 'root' ? 700 : 400} {...dropTarget('root')}>
            My files
          </Anchor>
        )}
        {ancestors?.folders.map((ancestor) => (
          <Anchor
            key={ancestor.id}
            component={Link}
            to={`/folders/${ancestor.id}`}
            {...dropTarget(ancestor.id)}
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
  );
}
