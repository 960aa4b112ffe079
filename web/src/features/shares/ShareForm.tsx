import {
  Alert,
  Button,
  Group,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  Stack,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../app/api-client';
import type { DriveNode } from '../files/files.queries';
import { emptyShareForm, type ShareForm as Form, type ShareKind, shareBody } from './share-settings';
import { useCreateShare } from './shares.queries';

type Created = Awaited<ReturnType<ReturnType<typeof useCreateShare>['mutateAsync']>>;

/**
 * Makes a link to the node, or (for a folder) a file drop into it, with its optional password,
 * expiry and limits. Empty fields mean “no limit”.
 */
export function ShareForm({ node, onCreated }: { node: DriveNode; onCreated: (share: Created) => void }) {
  const [form, setForm] = useState<Form>(emptyShareForm('link'));
  const [error, setError] = useState<string | null>(null);
  const create = useCreateShare();
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const text = (value: string | number) => String(value);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      onCreated(await create.mutateAsync(shareBody(node.id, form, new Date())));
      setForm(emptyShareForm(form.kind));
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <form onSubmit={submit} aria-label="New link">
      <Stack gap="xs">
        {node.kind === 'folder' && (
          <SegmentedControl
            aria-label="Kind of link"
            value={form.kind}
            onChange={(kind) => set({ kind: kind as ShareKind })}
            data={[
              { value: 'link', label: 'Link to view' },
              { value: 'drop', label: 'File drop' },
            ]}
          />
        )}
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <PasswordInput
          label="Password"
          description="Optional: whoever opens the link must type it."
          value={form.password}
          onChange={(e) => set({ password: e.currentTarget.value })}
          autoComplete="new-password"
        />
        <TextInput
          type="datetime-local"
          label="Expires"
          description="Optional: the link stops working then."
          value={form.expiresAt}
          onChange={(e) => set({ expiresAt: e.currentTarget.value })}
        />
        {form.kind === 'link' ? (
          <NumberInput
            label="Download limit"
            description="Optional: whole downloads it gives."
            min={1}
            allowDecimal={false}
            value={form.maxDownloads}
            onChange={(v) => set({ maxDownloads: text(v) })}
          />
        ) : (
          <Group grow align="flex-start">
            <NumberInput
              label="Largest file (MB)"
              min={0}
              value={form.maxFileMegabytes}
              onChange={(v) => set({ maxFileMegabytes: text(v) })}
            />
            <NumberInput
              label="Most files"
              min={1}
              allowDecimal={false}
              value={form.maxFiles}
              onChange={(v) => set({ maxFiles: text(v) })}
            />
          </Group>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending}>
            {form.kind === 'link' ? 'Create link' : 'Create file drop'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export type { Created as CreatedShare };
