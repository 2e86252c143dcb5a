import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useToasts } from '../../state/toasts';
import { useAction } from '../production/use-action';

/**
 * What the matrix form and the search form share around their fields: the draft as typed, the call that
 * starts what the form describes, the card holding the form, and the start button.
 */

/** A form's draft, changed a few fields at a time, and a way back to where it began. */
export function useDraft<Draft>(initialDraft: () => Draft): { draft: Draft; update: (patch: Partial<Draft>) => void; reset: () => void } {
  const [draft, setDraft] = useState<Draft>(initialDraft);
  return {
    draft,
    update: (patch) => {
      setDraft((before) => ({ ...before, ...patch }));
    },
    reset: () => {
      setDraft(initialDraft());
    },
  };
}

/** The forms have nothing to reload after starting: they hand the new item on to be shown instead. */
const NOTHING = (): void => undefined;

/**
 * Starts what a form describes: asks who is acting, makes the call, confirms it by name and hands the
 * new item on (the caller shows it rather than reloading). `busy` while the call runs.
 */
export function useStart<Started extends { name: string }>(
  startedMessage: 'benchmark.form.started' | 'benchmark.search.started',
  onStarted: (started: Started) => void,
): { busy: boolean; start: (call: (actor: string) => Promise<Started>) => Promise<void> } {
  const { notify } = useToasts();
  const { busy, act } = useAction(NOTHING);
  const start = async (call: (actor: string) => Promise<Started>) => {
    const started = await act(call);
    if (started === null) return;
    notify('success', (tr) => tr(startedMessage, { name: started.name }));
    onStarted(started);
  };
  return { busy, start };
}

interface StartFormCardProps {
  /** 'matrix' or 'search': the card's test id is `<testIdPrefix>-form`. */
  testIdPrefix: string;
  title: string;
  /** Shown between the title and the form. */
  intro?: ReactNode;
  formClassName: string;
  onSubmit: () => void;
  children: ReactNode;
}

/** The card of a form that starts work: its title, an optional intro, and the form (submitting stays in the page). */
export function StartFormCard({ testIdPrefix, title, intro, formClassName, onSubmit, children }: StartFormCardProps) {
  const titleId = `${testIdPrefix}-form-title`;
  return (
    <section className="card" aria-labelledby={titleId} data-testid={`${testIdPrefix}-form`}>
      <div className="card-head">
        <h3 id={titleId}>{title}</h3>
      </div>
      {intro}
      <form
        className={formClassName}
        onSubmit={(event) => {
          event.preventDefault();
          onSubmit();
        }}
      >
        {children}
      </form>
    </section>
  );
}

interface StartButtonProps {
  /** Only the stage in progress takes new work; otherwise a note says so. */
  canStart: boolean;
  busy: boolean;
  /** The form describes something that can start. */
  ready: boolean;
  label: string;
  testId: string;
  /** Other buttons, shown between the note and the start button. */
  others?: ReactNode;
}

/** The submit button of a form that starts work, with the note that only the active stage takes new work. */
export function StartButton({ canStart, busy, ready, label, testId, others }: StartButtonProps) {
  const { t } = useTranslation();
  return (
    <>
      {!canStart && <span className="muted small">{t('benchmark.form.onlyActive')}</span>}
      {others}
      <button type="submit" className="button primary" disabled={!canStart || busy || !ready} data-testid={testId}>
        {busy ? t('benchmark.form.starting') : label}
      </button>
    </>
  );
}
