import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MAX_ACTOR, type ActorDialogProps } from '../state/actor';
import { Modal } from './Modal';

/** Asks who is acting (see ActorProvider); cancelling leaves the remembered name as it was. */
export function ActorDialog({ initial, onDone }: ActorDialogProps) {
  const { t } = useTranslation();
  const [name, setName] = useState(initial);
  const trimmed = name.trim();
  return (
    <Modal
      title={t('actor.title')}
      testId="actor-dialog"
      onClose={() => {
        onDone(null);
      }}
    >
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          if (trimmed !== '') onDone(trimmed);
        }}
      >
        <p className="muted">{t('actor.explain')}</p>
        <label className="field">
          <span>{t('actor.name')}</span>
          <input
            autoFocus
            value={name}
            maxLength={MAX_ACTOR}
            data-testid="actor-name"
            onChange={(event) => {
              setName(event.target.value);
            }}
          />
        </label>
        <div className="actions">
          <button
            type="button"
            className="button"
            onClick={() => {
              onDone(null);
            }}
          >
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={trimmed === ''} data-testid="actor-save">
            {t('actor.save')}
          </button>
        </div>
      </form>
    </Modal>
  );
}
