import { Anchor } from '@mantine/core';
import { Link } from 'react-router';
import type { DriveNode } from './files.queries';
import { downloadUrl } from './links';

/** A node's name as a link: a folder opens in the folder view, a file downloads. */
export function NodeLink({ node, tabIndex }: { node: DriveNode; tabIndex?: number }) {
  return node.kind === 'folder' ? (
    <Anchor
      component={Link}
      to={`/folders/${node.id}`}
      state={{ focusList: true }}
      tabIndex={tabIndex}
      truncate="end"
      c="inherit"
      fw={500}
    >
      {node.name}
    </Anchor>
  ) : (
    <Anchor href={downloadUrl(node.id)} download={node.name} tabIndex={tabIndex} truncate="end" c="inherit">
      {node.name}
    </Anchor>
  );
}
