import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Modal } from '../components/Modal';
import { readLocal, writeLocal } from '../lib/storage';

/** Who is acting: asked once, kept in localStorage, written into every audited change. */
const ACTOR_KEY = 'dece.actor';
const MAX_ACTOR = 120;

interface ActorApi {
  actor: string | null;
  /** The remembered name, or asks for one; null when the person cancels. */
  ensureActor: () => Promise<string | null>;
  /** Asks again (the header's "change"). */
  changeActor: () => void;
}

const ActorContext = createContext<ActorApi | null>(null);

export function ActorProvider({ children }: { children: ReactNode }) {
  const [actor, setActor] = useState<string | null>(() => {
    const stored = readLocal(ACTOR_KEY)?.trim();
    return stored ? stored.slice(0, MAX_ACTOR) : null;
  });
  const [asking, setAsking] = useState(false);
  const waiting = useRef<((name: string | null) => void)[]>([]);

  const settle = useCallback((name: string | null) => {
    setAsking(false);
    if (name !== null) {
      setActor(name);
      writeLocal(ACTOR_KEY, name);
    }
    const pending = waiting.current;
    waiting.current = [];
    for (const resolve of pending) resolve(name);
  }, []);

  const ensureActor = useCallback((): Promise<string | null> => {
    if (actor !== null) return Promise.resolve(actor);
    setAsking(true);
    return new Promise((resolve) => {
      waiting.current.push(resolve);
    });
  }, [actor]);

  const changeActor = useCallback(() => {
    setAsking(true);
  }, []);

  const api = useMemo(() => ({ actor, ensureActor, changeActor }), [actor, ensureActor, changeActor]);
  return (
    <ActorContext.Provider value={api}>
      {children}
      {asking && <ActorDialog initial={actor ?? ''} onDone={settle} />}
    </ActorContext.Provider>
  );
}

function ActorDialog({ initial, onDone }: { initial: string; onDone: (name: string | null) => void }) {
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

export function useActor(): ActorApi {
  const api = useContext(ActorContext);
  if (!api) throw new Error('useActor outside ActorProvider');
  return api;
}
