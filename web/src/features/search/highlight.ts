import { useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router';
import { HIGHLIGHT_PARAM } from './location';

type Pages = { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };

/**
 * The child a link named (`?highlight=id`, from a search hit, say) is selected, focused and
 * scrolled to once the folder shows it, reading further pages of the folder until it does.
 */
export function useHighlightedRow(ids: string[], pages: Pages, select: (id: string) => void) {
  const id = useSearchParams()[0].get(HIGHLIGHT_PARAM);
  const shown = useRef<string | null>(null);
  const present = id !== null && ids.includes(id);
  useEffect(() => {
    if (id === null || shown.current === id) return;
    if (!present) {
      if (pages.hasNextPage && !pages.isFetchingNextPage) void pages.fetchNextPage();
      return;
    }
    shown.current = id;
    select(id);
    const row = document.querySelector<HTMLElement>(`[data-row-id="${CSS.escape(id)}"]`);
    row?.focus({ preventScroll: true });
    row?.scrollIntoView({ block: 'center' });
  });
}
