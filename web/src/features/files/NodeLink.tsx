import { Anchor } from '@mantine/core';
import { Link } from 'react-router';
import type { DriveNode } from './files.queries';
import { downloadUrl } from './links';

/**
 * A node's name as a link: a folder opens (in the folder view, unless `folderTo` says where), a
 * file downloads (from `fileUrl`, its owner's download unless given).
 */
export function NodeLink(props: { node: DriveNode; tabIndex?: number; folderTo?: string; fileUrl?: string }) {
  const { node, tabIndex } = props;
  return node.kind === 'folder' ? (
    <Anchor
      component={Link}
      to={props.folderTo ?? `/folders/${node.id}`}
      state={{ focusList: true }}
      tabIndex={tabIndex}
      truncate="end"
      c="inherit"
      fw={500}
    >
      {node.name}
    </Anchor>
  ) : (
    <Anchor
      href={props.fileUrl ?? downloadUrl(node.id)}
      download={node.name}
      tabIndex={tabIndex}
      truncate="end"
      c="inherit"
    >
      {node.name}
    </Anchor>
  );
}
