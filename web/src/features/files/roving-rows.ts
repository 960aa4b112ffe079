import { type KeyboardEvent, useEffect, useRef, useState } from 'react';

type RowActions = {
  toggle: (id: string) => void;
  /** Shift+arrow: the selection grows (or shrinks) from `from` to `to`. */
  extend: (from: string, to: string) => void;
  /** An arrow without Shift: focus moves, the selection stays. */
  moveTo: (id: string) => void;
  rename: (id: string) => void;
};

const rowSelector = (id: string) => `[data-row-id="${CSS.escape(id)}"]`;

/**
 * Keyboard use of the file list with a roving tabindex: one row is in the tab order (with its
 * controls); arrows, Home and End move between rows (with Shift the selection follows), Space
 * toggles the row, Enter opens it (its link), F2 renames it. When the focused row goes away
 * (trashed, moved), its neighbour takes the focus; `focusOnLoad` focuses the first row once the
 * list is there (after opening a folder from the list).
 */
export function useRovingRows(ids: string[], actions: RowActions, focusOnLoad: boolean) {
  const body = useRef<HTMLTableSectionElement>(null);
  const [focusedId, setFocusedId] = useState<string | null>(null);
  const lastIndex = useRef(0);
  const activeId =
    focusedId !== null && ids.includes(focusedId) ? focusedId : (ids[lastIndex.current] ?? ids.at(-1));

  const focusRow = (id: string | undefined) => {
    if (id) body.current?.querySelector<HTMLElement>(rowSelector(id))?.focus();
  };

  const lost = focusedId !== null && !ids.includes(focusedId);
  useEffect(() => {
    if (!lost) return;
    const focusLeftThePage = document.activeElement === null || document.activeElement === document.body;
    if (focusLeftThePage && activeId) focusRow(activeId);
    setFocusedId(activeId ?? null);
  });

  const loaded = ids.length > 0;
  const focusedOnLoad = useRef(false);
  useEffect(() => {
    if (!focusOnLoad || !loaded || focusedOnLoad.current) return;
    focusedOnLoad.current = true;
    body.current?.querySelector<HTMLElement>('[data-row-id]')?.focus();
  }, [focusOnLoad, loaded]);

  const onFocus = (event: { target: EventTarget }) => {
    const id = (event.target as HTMLElement).closest<HTMLElement>('[data-row-id]')?.dataset.rowId;
    if (!id) return;
    setFocusedId(id);
    lastIndex.current = ids.indexOf(id);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    const row = (event.target as HTMLElement).closest<HTMLElement>('[data-row-id]');
    const id = row?.dataset.rowId;
    if (!row || !id || event.altKey || event.ctrlKey || event.metaKey) return;
    const onRow = event.target === row;
    const index = ids.indexOf(id);
    const moves: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      Home: 0,
      End: ids.length - 1,
    };
    const move = moves[event.key];
    if (move !== undefined) {
      event.preventDefault();
      const to = ids[Math.max(0, Math.min(ids.length - 1, move))] as string;
      if (event.shiftKey) actions.extend(id, to);
      else actions.moveTo(to);
      focusRow(to);
    } else if (event.key === ' ' && onRow) {
      event.preventDefault();
      actions.toggle(id);
    } else if (event.key === 'Enter' && onRow) {
      event.preventDefault();
      row.querySelector<HTMLElement>('a[href]')?.click();
    } else if (event.key === 'F2') {
      event.preventDefault();
      actions.rename(id);
    }
  };

  return {
    bodyProps: { ref: body, onKeyDown, onFocus },
    /** The row's own props: in the tab order (with its controls) only when it is the active row. */
    rowProps: (id: string) => ({ 'data-row-id': id, tabIndex: id === activeId ? 0 : -1 }),
    /** For the controls inside a row. */
    controlTabIndex: (id: string) => (id === activeId ? 0 : -1),
    /** The focused row, when focus is in the list (for Delete with nothing selected). */
    focusedRowId: () => document.activeElement?.closest<HTMLElement>('[data-row-id]')?.dataset.rowId,
  };
}

export type RovingRows = ReturnType<typeof useRovingRows>;
