import { getHotkeyHandler, useWindowEvent } from '@mantine/hooks';

const isTyping = (target: HTMLElement | null) =>
  target?.isContentEditable ||
  target?.tagName === 'TEXTAREA' ||
  (target?.tagName === 'INPUT' &&
    !['checkbox', 'radio', 'button'].includes((target as HTMLInputElement).type));

/**
 * Keyboard for the page (outside text fields and dialogs): Ctrl/⌘+A selects everything, Escape
 * clears the selection, Delete moves the selection (or else the focused row) to the trash.
 */
export function useSelectionKeys(actions: {
  enabled: boolean;
  selectAll: () => void;
  clear: () => void;
  trashSelected: () => void;
}) {
  const handle = getHotkeyHandler([
    ['mod+A', actions.selectAll],
    ['Escape', actions.clear, { preventDefault: false }],
    ['Delete', actions.trashSelected, { preventDefault: false }],
  ]);
  useWindowEvent('keydown', (event) => {
    const target = event.target as HTMLElement | null;
    // Keys typed in an open dialog or menu (focus is trapped there) are theirs; a row's checkbox isn't typing.
    if (!actions.enabled || isTyping(target) || target?.closest('[role="dialog"], [role="menu"]')) return;
    handle(event);
  });
}
