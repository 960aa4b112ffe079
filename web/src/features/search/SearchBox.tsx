import { Combobox, Group, Loader, Stack, Text, TextInput, useCombobox } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { errorMessage } from '../../app/api-client';
import { downloadUrl } from '../files/links';
import { NodeIcon } from '../files/NodeIcon';
import { type Found, locationLabel, openTarget } from './location';
import classes from './SearchBox.module.css';
import { searchFirstHits } from './search.queries';
import { Typeahead, type TypeaheadState } from './typeahead';

const SEE_ALL = '*all';

type Hits = Awaited<ReturnType<typeof searchFirstHits>>;

function useTypeahead() {
  const [state, setState] = useState<TypeaheadState<Hits>>({ status: 'idle', query: '' });
  const typeahead = useRef<Typeahead<Hits>>(null);
  useEffect(() => {
    const box = new Typeahead({ delayMs: 200, fetch: searchFirstHits, onChange: setState });
    typeahead.current = box;
    return () => box.dispose();
  }, []);
  return { state, type: (text: string) => typeahead.current?.type(text) };
}

/**
 * The search box in the header: hits as you type, each with where it is. Arrows move through
 * them, Enter (or a click) opens the folder holding a file, with it highlighted, or a folder
 * itself; Enter on nothing shows every result; Escape closes the list, then empties the box.
 */
export function SearchBox() {
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const { state, type } = useTypeahead();
  const combobox = useCombobox({ onDropdownClose: () => combobox.resetSelectedOption() });
  const input = useRef<HTMLInputElement>(null);
  useHotkeys([['mod+K', () => input.current?.focus()]]);

  const hits = state.status === 'done' || state.status === 'loading' ? (state.results?.items ?? []) : [];
  // New hits: nothing is chosen until an arrow says so (Enter then means "every result").
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the hits change
  useEffect(() => {
    combobox.resetSelectedOption();
  }, [state]);

  const change = (value: string) => {
    setText(value);
    type(value);
    if (value.trim() === '') combobox.closeDropdown();
    else combobox.openDropdown();
  };

  const leave = (to: string) => {
    change('');
    input.current?.blur();
    navigate(to);
  };

  const submit = (value: string) => {
    if (value === SEE_ALL) return leave(`/search?q=${encodeURIComponent(text.trim())}`);
    const found = hits.find((hit) => hit.node.id === value);
    if (!found) return;
    const to = openTarget(found);
    if (to) return leave(to);
    // A file shared with me on its own has no folder I may open: it downloads.
    window.location.assign(downloadUrl(found.node.id));
  };

  return (
    <Combobox store={combobox} onOptionSubmit={submit} withinPortal classNames={{ option: classes.option }}>
      <Combobox.Target withExpandedAttribute>
        <TextInput
          ref={input}
          value={text}
          onChange={(event) => change(event.currentTarget.value)}
          onFocus={() => text.trim() !== '' && combobox.openDropdown()}
          onBlur={() => combobox.closeDropdown()}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && combobox.getSelectedOptionIndex() === -1 && text.trim() !== '')
              submit(SEE_ALL);
            else if (event.key === 'Escape' && !combobox.dropdownOpened) change('');
          }}
          placeholder="Search files"
          aria-label="Search files"
          leftSection={<IconSearch size={16} aria-hidden />}
          rightSection={state.status === 'loading' ? <Loader size={14} aria-label="Searching" /> : null}
          style={{ flex: 1, maxWidth: 480, minWidth: 0 }}
        />
      </Combobox.Target>
      <Combobox.Dropdown>
        <Combobox.Options aria-label="Search results" mah={420} style={{ overflowY: 'auto' }}>
          {hits.map((found) => (
            <Hit key={found.node.id} found={found} />
          ))}
          {hits.length === 0 && emptyText(state) && <Combobox.Empty>{emptyText(state)}</Combobox.Empty>}
          {state.status === 'error' && <Combobox.Empty c="red">{errorMessage(state.error)}</Combobox.Empty>}
          {text.trim() !== '' && (
            <Combobox.Option value={SEE_ALL}>
              <Text size="sm" c="blue">
                See all results for “{text.trim()}”
              </Text>
            </Combobox.Option>
          )}
        </Combobox.Options>
      </Combobox.Dropdown>
    </Combobox>
  );
}

function emptyText(state: TypeaheadState<Hits>) {
  if (state.status === 'loading') return 'Searching…';
  if (state.status === 'done') return 'Nothing found';
  return null;
}

function Hit({ found }: { found: Found }) {
  const where = locationLabel(found.location);
  return (
    <Combobox.Option value={found.node.id} data-testid="search-hit" data-name={found.node.name}>
      <Group gap="xs" wrap="nowrap">
        <NodeIcon node={found.node} />
        <Stack gap={0} style={{ minWidth: 0 }}>
          <Text size="sm" truncate="end">
            {found.node.name}
          </Text>
          <Text size="xs" c="dimmed" truncate="end" data-testid="search-hit-location">
            {where}
          </Text>
        </Stack>
      </Group>
    </Combobox.Option>
  );
}
