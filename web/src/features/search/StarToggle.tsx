import { ActionIcon, Menu } from '@mantine/core';
import { IconStar, IconStarFilled } from '@tabler/icons-react';
import { useStar } from './search.queries';

/** A node's star, as a button in its row. */
export function StarToggle({ node, tabIndex }: { node: { id: string; name: string }; tabIndex?: number }) {
  const star = useStar(node.id, node.name);
  return (
    <ActionIcon
      variant="subtle"
      color={star.starred ? 'yellow' : 'gray'}
      aria-label={star.starred ? `Unstar ${node.name}` : `Star ${node.name}`}
      aria-pressed={star.starred}
      disabled={!star.known}
      tabIndex={tabIndex}
      onClick={star.toggle}
      data-starred={star.starred}
    >
      {star.starred ? <IconStarFilled size={16} /> : <IconStar size={16} />}
    </ActionIcon>
  );
}

/** A node's star, as an item of its menu. */
export function StarMenuItem({ node }: { node: { id: string; name: string } }) {
  const star = useStar(node.id, node.name);
  return (
    <Menu.Item
      leftSection={star.starred ? <IconStarFilled size={16} /> : <IconStar size={16} />}
      disabled={!star.known}
      onClick={star.toggle}
    >
      {star.starred ? 'Unstar' : 'Star'}
    </Menu.Item>
  );
}
