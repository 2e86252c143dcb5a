import { useEffect, useId, useRef, type ReactNode } from 'react';
import { ModalErrors } from '../state/toasts';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  testId: string;
  wide?: boolean;
}

/** A native modal <dialog>: focus stays inside, Escape closes it, the page behind is inert. */
export function Modal({ title, onClose, children, testId, wide = false }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  });
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    const cancel = (event: Event) => {
      event.preventDefault();
      onCloseRef.current();
    };
    dialog.addEventListener('cancel', cancel);
    return () => {
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
    };
  }, []);
  return (
    <dialog ref={ref} className={`modal${wide ? ' modal-wide' : ''}`} aria-labelledby={titleId} data-testid={testId}>
      <h2 id={titleId} className="modal-title">
        {title}
      </h2>
      <ModalErrors />
      {children}
    </dialog>
  );
}
