import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { messageLang, renderMessage } from '../../common/messages';
import { ClientError } from '../api/client';

type Translate = ReturnType<typeof useTranslation>['t'];

/** A message is rendered when shown, so a toast follows a language switch. */
export type ToastMessage = (t: Translate) => string;

export interface Toast {
  id: number;
  kind: 'error' | 'success';
  message: ToastMessage;
}

interface ToastApi {
  notify: (kind: Toast['kind'], message: ToastMessage) => void;
  /** Shows a failed call's message; returns nothing so handlers can `catch(showError)`. */
  showError: (error: unknown) => void;
}

interface ToastList {
  toasts: readonly Toast[];
  dismiss: (id: number) => void;
}

const ToastContext = createContext<ToastApi | null>(null);
const ToastListContext = createContext<ToastList>({ toasts: [], dismiss: () => undefined });

const LIFETIME_MS: Record<Toast['kind'], number> = { success: 4000, error: 12000 };

export function ToastProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => {
    setToasts((list) => list.filter((toast) => toast.id !== id));
  }, []);

  const notify = useCallback(
    (kind: Toast['kind'], message: ToastMessage) => {
      const id = nextId.current++;
      setToasts((list) => [...list.slice(-4), { id, kind, message }]);
      window.setTimeout(() => {
        dismiss(id);
      }, LIFETIME_MS[kind]);
    },
    [dismiss],
  );

  const showError = useCallback(
    (error: unknown) => {
      notify('error', (translate) => describeError(error, translate));
    },
    [notify],
  );

  const api = useMemo(() => ({ notify, showError }), [notify, showError]);
  const list = useMemo(() => ({ toasts, dismiss }), [toasts, dismiss]);

  return (
    <ToastContext.Provider value={api}>
      <ToastListContext.Provider value={list}>{children}</ToastListContext.Provider>
      <div className="toasts" aria-live="polite" data-testid="toasts">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'} data-testid={`toast-${toast.kind}`}>
            <span className="toast-message">{toast.message(t)}</span>
            <button
              type="button"
              className="toast-close"
              aria-label={t('common.dismiss')}
              onClick={() => {
                dismiss(toast.id);
              }}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** Transport problems get a translated explanation; the server's own messages are shown as sent. */
export function describeError(error: unknown, t: Translate): string {
  if (error instanceof ClientError && error.i18n !== undefined) return t('errors.withMessage', { message: renderMessage(error.i18n, messageLang(t('meta.lang'))) });
  if (error instanceof ClientError) {
    if (error.code === 'network') return t('errors.network');
    if (error.code === 'unauthorized') return t('errors.unauthorized');
    if (error.code === 'too-large') return t('errors.tooLarge');
    return t('errors.withMessage', { message: error.message });
  }
  return t('errors.withMessage', { message: error instanceof Error ? error.message : String(error) });
}

/**
 * Error toasts, for a modal dialog to repeat inside itself: everything outside an open modal
 * <dialog> sits under its backdrop, so a failure while it is open would otherwise go unseen.
 */
export function ModalErrors() {
  const { t } = useTranslation();
  const { toasts, dismiss } = useContext(ToastListContext);
  const errors = toasts.filter((toast) => toast.kind === 'error');
  if (errors.length === 0) return null;
  return (
    <div className="modal-errors">
      {errors.map((toast) => (
        <div key={toast.id} className="banner error" role="alert" data-testid="modal-error">
          <span className="toast-message">{toast.message(t)}</span>
          <button
            type="button"
            className="toast-close"
            aria-label={t('common.dismiss')}
            onClick={() => {
              dismiss(toast.id);
            }}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function useToasts(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToasts outside ToastProvider');
  return api;
}
