import { createContext, useCallback, useContext, useMemo, useRef, useState, type ComponentType, type ReactNode } from 'react';
import { readLocal, writeLocal } from '../lib/storage';

/** Who is acting: asked once, kept in localStorage, written into every audited change. */
const ACTOR_KEY = 'dece.actor';
export const MAX_ACTOR = 120;

interface ActorApi {
  actor: string | null;
  /** The remembered name, or asks for one; null when the person cancels. */
  ensureActor: () => Promise<string | null>;
  /** Asks again (the header's "change"). */
  changeActor: () => void;
}

/** The dialog that asks for the name: a component the shell passes in, so this state needs no UI of its own. */
export interface ActorDialogProps {
  initial: string;
  onDone: (name: string | null) => void;
}

const ActorContext = createContext<ActorApi | null>(null);

export function ActorProvider({ children, dialog: Dialog }: { children: ReactNode; dialog: ComponentType<ActorDialogProps> }) {
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
      {asking && <Dialog initial={actor ?? ''} onDone={settle} />}
    </ActorContext.Provider>
  );
}

export function useActor(): ActorApi {
  const api = useContext(ActorContext);
  if (!api) throw new Error('useActor outside ActorProvider');
  return api;
}
