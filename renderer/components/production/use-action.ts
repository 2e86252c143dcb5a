import { useCallback, useState } from 'react';
import { useActor } from '../../state/actor';
import { useToasts } from '../../state/toasts';

/**
 * One call of a card at a time: marks the card busy while `work` runs and shows a failure as a toast.
 * Resolves with the result, or null when the call failed.
 */
export function useBusyCall(): { busy: boolean; call: <T>(work: () => Promise<T>) => Promise<T | null> } {
  const { showError } = useToasts();
  const [busy, setBusy] = useState(false);
  const call = useCallback(
    async <T,>(work: () => Promise<T>): Promise<T | null> => {
      setBusy(true);
      try {
        return await work();
      } catch (error) {
        showError(error);
        return null;
      } finally {
        setBusy(false);
      }
    },
    [showError],
  );
  return { busy, call };
}

/**
 * One recorded change of the Production panel: asks who is acting (once), then makes the call as
 * useBusyCall does and tells the panel to reload. Resolves with the call's result, or null when it did
 * not happen (no name given, or the main side refused it) so a form keeps what was typed.
 */
export function useAction(onChanged: () => void): { busy: boolean; act: <T>(change: (actor: string) => Promise<T>) => Promise<T | null> } {
  const { ensureActor } = useActor();
  const { busy, call } = useBusyCall();
  const act = useCallback(
    async <T,>(change: (actor: string) => Promise<T>): Promise<T | null> => {
      const actor = await ensureActor();
      if (actor === null) return null;
      return call(async () => {
        const result = await change(actor);
        onChanged();
        return result;
      });
    },
    [ensureActor, onChanged, call],
  );
  return { busy, act };
}

/** base64 from the contract → bytes for a Blob. */
export function base64Bytes(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** A File's bytes as base64 for the contract (chunked: String.fromCharCode takes a bounded argument list). */
export async function fileBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
