import { Alert, Button, Group, Modal, Stack, TextInput } from '@mantine/core';
import { type FormEvent, useEffect, useState } from 'react';
import { useModalAction } from '../../ui/use-modal-action';

/** Asks for a name (new folder, rename); stays open with the server's message when it fails. */
export function NameModal(props: {
  opened: boolean;
  title: string;
  label: string;
  submitLabel: string;
  initialName?: string;
  onClose: () => void;
  onSubmit: (name: string) => Promise<unknown>;
}) {
  const { opened, initialName, onClose, onSubmit } = props;
  const [name, setName] = useState(initialName ?? '');
  const { error, setError, busy, run } = useModalAction(onClose);

  useEffect(() => {
    if (opened) {
      setName(initialName ?? '');
      setError(null);
    }
  }, [opened, initialName, setError]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return setError('Enter a name.');
    await run(() => onSubmit(name.trim()));
  }

  return (
    <Modal opened={opened} onClose={onClose} title={props.title}>
      <form onSubmit={submit}>
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <TextInput
            label={props.label}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
            onFocus={(e) => {
              // Select the name without its extension, as file managers do.
              const dot = e.currentTarget.value.lastIndexOf('.');
              e.currentTarget.setSelectionRange(0, dot > 0 ? dot : e.currentTarget.value.length);
            }}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              {props.submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
