import { useState } from 'react';
import { errorMessage } from '../app/api-client';

/**
 * A modal's one action: busy while it runs, the modal closed when it succeeds, kept open with the
 * server's message when it fails.
 */
export function useModalAction(onClose: () => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    try {
      await action();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return { error, setError, busy, run };
}
