import { useCallback, useState } from 'react';

/** Checkbox selection over an ordered list, with shift-click ranges. */
export function useSelection(ids: string[]) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [anchor, setAnchor] = useState<string | null>(null);

  const toggle = useCallback(
    (id: string, shiftKey: boolean) => {
      setSelected((previous) => {
        const next = new Set(previous);
        const from = anchor ? ids.indexOf(anchor) : -1;
        const to = ids.indexOf(id);
        if (shiftKey && from >= 0 && to >= 0) {
          const on = !previous.has(id);
          for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
            const each = ids[i] as string;
            if (on) next.add(each);
            else next.delete(each);
          }
        } else if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      });
      setAnchor(id);
    },
    [anchor, ids],
  );

  const present = [...selected].filter((id) => ids.includes(id));
  return {
    selected: new Set(present),
    count: present.length,
    toggle,
    all: ids.length > 0 && present.length === ids.length,
    some: present.length > 0 && present.length < ids.length,
    toggleAll: () => setSelected(present.length === ids.length ? new Set() : new Set(ids)),
    clear: () => setSelected(new Set()),
  };
}
