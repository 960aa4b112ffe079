import { useState } from 'react';

/**
 * Selection over an ordered list: toggles, shift-click ranges, and ranges grown from the keyboard.
 * The anchor is where a range starts (the last row toggled or moved to) with what was selected
 * then, so growing or shrinking a range only changes what the range itself added.
 */
export function useSelection(ids: string[]) {
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [anchor, setAnchor] = useState<{ id: string; base: Set<string> } | null>(null);

  const between = (from: string, to: string) => {
    const [a, b] = [ids.indexOf(from), ids.indexOf(to)];
    return a < 0 || b < 0 ? [to] : ids.slice(Math.min(a, b), Math.max(a, b) + 1);
  };

  const toggle = (id: string, shiftKey: boolean) => {
    const next = new Set(selected);
    if (shiftKey && anchor && ids.includes(anchor.id)) {
      const on = !selected.has(id);
      for (const each of between(anchor.id, id)) {
        if (on) next.add(each);
        else next.delete(each);
      }
    } else if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
    setAnchor({ id, base: next });
  };

  /** Selects from the anchor (or `from`, when there is none) to `to`, as Shift+arrow does. */
  const extend = (from: string, to: string) => {
    const start = anchor && ids.includes(anchor.id) ? anchor : { id: from, base: selected };
    setSelected(new Set([...start.base, ...between(start.id, to)]));
    setAnchor(start);
  };

  const present = [...selected].filter((id) => ids.includes(id));
  const replace = (next: Set<string>) => {
    setSelected(next);
    setAnchor(null);
  };
  return {
    selected: new Set(present),
    count: present.length,
    toggle,
    extend,
    /** Moves the anchor without selecting (an arrow key without Shift). */
    moveAnchor: (id: string) => setAnchor({ id, base: selected }),
    all: ids.length > 0 && present.length === ids.length,
    some: present.length > 0 && present.length < ids.length,
    toggleAll: () => replace(present.length === ids.length ? new Set() : new Set(ids)),
    clear: () => replace(new Set()),
  };
}

export type Selection = ReturnType<typeof useSelection>;
